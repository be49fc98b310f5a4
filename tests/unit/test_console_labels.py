"""The console's labels come from the one source of names (bot.staff.names), with « — » for a missing value."""

from __future__ import annotations

from types import SimpleNamespace

from bot.console.labels import Labels
from bot.staff import names
from bot.staff.names import Names


def _kb(epcis: list[str], communes: list[str]) -> SimpleNamespace:
    territory = SimpleNamespace(epcis_of=lambda dep: [SimpleNamespace(code=c) for c in epcis],
                                communes_of=lambda dep: [SimpleNamespace(code=c) for c in communes])
    return SimpleNamespace(territory=territory)


def test_labels_ask_the_configured_names() -> None:
    own = Names(themes={"sante": "Santé et accès aux soins"}, offers={"dsil": "DSIL"},
                _epcis={"200069052": "CA Grand Belfort", "245400676": "CC Ailleurs"},
                _communes={"90010": "Belfort"})
    labels = Labels(_kb(["200069052"], ["90010"]), "90", names=own)
    assert labels.theme("sante") == "Santé et accès aux soins" and labels.theme("autre") == "autre"
    assert dict(labels.themes) == {"sante": "Santé et accès aux soins"}
    assert labels.offer("dsil") == "DSIL"
    # the filters list the département's own places; any other place still gets its name
    assert labels.epcis == {"200069052": "CA Grand Belfort"} and labels.communes == {"90010": "Belfort"}
    assert labels.epci("245400676") == "CC Ailleurs" and labels.epci(None) == "—"
    assert labels.commune("90010") == "Belfort" and labels.commune("90010", "Belfort (saisi)") == "Belfort (saisi)"


def test_labels_default_to_the_current_names() -> None:
    try:
        configured = names.configure(public_url="https://guichet.example.gouv.fr")
        labels = Labels(None)  # no knowledge base: empty filter lists, names still given
        assert labels.names is configured and labels.epcis == {} and labels.communes == {}
    finally:
        names.configure()


def test_codes_of_fixed_lists_have_one_name_everywhere() -> None:
    labels = Labels(None, names=Names())
    assert labels.operator("bdt") == Names.operator("bdt") == "Banque des Territoires"
    assert labels.operator(None) == "—" and Names.operator(None) == ""
    assert labels.status("en_cours") == Names.status("en_cours") == "Prise en charge"
    assert labels.route_status("sans_aide") == "Pas d'aide possible"
    assert labels.help_kind("mise-en-relation") == "mise en relation"
    assert labels.stage(None) == "—" and labels.role(None) == "—"
    assert Names.status("inconnu") == "inconnu"
