"""Facts in phone-style sentences (intents/extract.py): what is read outside and inside the question about it."""

from __future__ import annotations

import pytest

from intents import extract as x
from intents.intro import find_intro
from intents.signature import find_signature


def test_a_first_message_carries_many_facts() -> None:
    text = ("bonjour, je suis maire de Chaux, on voudrait rénover l'école qui consomme trop de fioul, on en est à "
            "l'étude, devis de 300 000 euros, travaux début 2027, mon portable c'est le 06 12 34 56 78")
    assert x.find_role(text) == "maire"
    assert x.find_stage(text) in ("etude", "projet-defini")
    b = x.find_amount(text)
    assert b is not None and (b.low, b.high) == (300_000, 300_000)  # neither 2027 nor the phone is a bound
    assert x.find_timing(text) == "travaux début 2027"
    assert x.find_phone(text) == "+33612345678"


@pytest.mark.parametrize("text, asked, expected", [
    ("Étude", True, "etude"),
    ("on veut une étude mobilité", False, None),  # the help wanted, not the stage
    ("on en est au tout début", False, "idee"),
    ("devis reçu", False, "projet-defini"),
    ("prêt", True, "pret"),
])
def test_stage_needs_a_clear_cue_unless_asked(text: str, asked: bool, expected: str | None) -> None:
    assert x.find_stage(text, asked=asked) == expected


@pytest.mark.parametrize("text, asked, expected", [
    ("le maire souhaite refaire la place", False, None),  # said of someone else
    ("je suis le maire", True, "maire"),
    ("adjoint au maire", True, "adjoint"),
    ("secrétaire de mairie", True, "agent"),
    ("autre", True, "autre"),
    ("le roi du monde", True, None),
    # a deputy director general is an officer, and so is an « adjoint administratif » (a civil-service grade)
    ("Bonjour, directeur général adjoint des services de la ville d'Offemont", False, "agent"),
    ("directrice générale adjointe", True, "agent"),
    ("je suis adjointe administrative à la mairie", False, "agent"),
    ("Bonjour, adjoint aux travaux de Chaux", False, "adjoint"),
])
def test_roles(text: str, asked: bool, expected: str | None) -> None:
    assert x.find_role(text, asked=asked) == expected


def test_references_corrections_and_back() -> None:
    assert x.find_reference("ajouter une info à ma demande 90-2026-0012 : devis reçu") == "90-2026-0012"
    assert x.find_reference("90 - 2026 - 0012") == "90-2026-0012"
    assert x.find_reference("06 12 34 56 78") is None
    assert x.is_correction("non, c'est à Chaux") and x.is_correction("en fait 250 k€")
    assert not x.is_correction("nous voulons rénover l'école")
    assert x.is_back("retour") and x.is_back("Revenir en arrière") and not x.is_back("retour à l'emploi")


def test_name_and_contact_in_one_answer() -> None:
    assert x.strip_contact("Luc Petit, +33 6 11 22 33 44, luc.petit@example.fr") == "Luc Petit"
    assert x.find_name("je m'appelle Marie Dupont") == "Marie Dupont"
    assert x.find_name("je suis maire de Chaux") is None
    assert x.find_email_spoken("m point dupont arobase orange point fr") == "m.dupont@orange.fr"
    # « tiret » is a hyphen, « tiret du bas » an underscore, in the address's either part
    assert x.find_email_spoken("06 12 34 56 78 mairie tiret chaux arobase orange point fr") == "mairie-chaux@orange.fr"
    assert x.find_email_spoken("p tiret du bas roy arobase cc tiret sud point fr") == "p_roy@cc-sud.fr"


@pytest.mark.parametrize("bad", [None, "", "\x00\u202e", "x" * 10_000, 42])
def test_bad_input_never_raises(bad: object) -> None:
    for fn in (x.find_role, x.find_stage, x.find_timing, x.find_help_kinds, x.find_amount, x.find_name,
               x.find_reference, x.find_email_spoken, x.is_correction, x.is_back, x.is_done, x.split_done,
               x.find_bare_name):
        fn(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("said", ["c'est bon", "C'est bon !", "ok", "OK merci", "valider", "Valider", "je valide",
                                  "c'est tout", "rien d'autre", "non, rien d'autre merci", "ça ira", "voilà",
                                  "c'est tout bon", "oui c'est bon", "ce sera tout"])
def test_typed_confirmation_is_done(said: str) -> None:
    assert x.is_done(said)
    assert x.split_done(said) == ("", True)


@pytest.mark.parametrize("said", ["non", "tout", "toutes", "financement", "je ne sais pas", "c'est bon marché",
                                  "rien", "ok pour le financement", "", "🙂"])
def test_other_text_is_not_done(said: str) -> None:
    assert not x.is_done(said)


def test_closing_phrase_after_choices() -> None:
    assert x.split_done("financement, c'est tout") == ("financement", True)
    assert x.split_done("Ingénierie et information, c'est bon") == ("Ingénierie et information", True)
    assert x.split_done("financement et information") == ("financement et information", False)
    # « tout » alone still means every kind of help; the closing « c'est tout » is not read as « tout »
    assert x.find_help_kinds(x.split_done("financement, c'est tout")[0], asked=True) == ["financement"]
    assert len(x.find_help_kinds("tout", asked=True)) == 4
    assert len(x.find_help_kinds("un peu de tout", asked=True)) == 4
    # « tout » inside a sentence about something else is no choice
    assert x.find_help_kinds("on cherche des subventions, la commune ne peut pas tout payer", asked=True) \
        == ["financement"]


@pytest.mark.parametrize("said, name", [
    ("Marie Dupont", "Marie Dupont"),
    ("Marie Dupont 06 12 34 56 78", "Marie Dupont"),
    ("Paul Girard, paul.girard@example.fr", "Paul Girard"),
    ("DUPONT Marie", "DUPONT Marie"),
    ("Jean-Pierre de La Fontaine", "Jean-Pierre de La Fontaine"),
    ("Anne-Sophie Le Goff.", "Anne-Sophie Le Goff"),
    ("Non, Marie Dupont", "Marie Dupont"),
    ("non c'est Marie Dupont", "Marie Dupont"),
    ("Marie Dupont, maire", "Marie Dupont"),
])
def test_a_name_typed_alone(said: str, name: str) -> None:
    assert x.find_bare_name(said) == name


@pytest.mark.parametrize("said", ["Marie", "marie dupont", "Maire", "Salle Polyvalente", "Oui Merci", "Étude",
                                  "Financement Information", "Prêt À Démarrer", "Je Suis Marie", "06 12 34 56 78",
                                  "Marie Dupont veut rénover l'école", "Mise En Relation", "Saint Germain",
                                  "non", "Non, Maire", "c'est Étude", "Marie Dupont, étude"])
def test_not_a_name_typed_alone(said: str) -> None:
    assert x.find_bare_name(said) is None


# --- issue 19 ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "stage"), [
    ("c'est encore une idée", "idee"),
    ("bjr on veut refaire la salle des fetes c'est encore une idee", "idee"),
    ("c encore une idee, rien de chiffré vraiment", "idee"),
    ("Ce n'est qu'une idée", "idee"),
    ("ça reste une idée", "idee"),
    ("nous sommes toujours en phase d'étude", "etude"),
    ("coût estimé 1,2 M€, études faites.", "etude"),
    ("le projet est au stade de l'avant-projet", "projet-defini"),
    ("on en est aux travaux", "pret"),
    ("c'est une étude mobilité", None),
    ("c'est un projet de salle", None),
    ("l'école est en travaux", None),
])
def test_the_stage_said_as_where_the_project_stands(text: str, stage: str | None) -> None:
    assert x.find_stage(text) == stage


@pytest.mark.parametrize(("text", "parts"), [
    ("pardon c'est Lepuix pas Giromagny", ("Lepuix", "Giromagny")),
    ("pardon c Lepuix pas Giromagny", ("Lepuix", "Giromagny")),
    ("en fait adjoint", ("adjoint", None)),
    ("en fait plutôt 500 000", ("500 000", None)),
    ("pas Delle mais Beaucourt", ("Beaucourt", "Delle")),
    ("Lepuix et non Giromagny", ("Lepuix", "Giromagny")),
    ("on veut rénover l'école", None),
])
def test_what_a_correction_replaces(text: str, parts: tuple[str, str | None] | None) -> None:
    assert x.correction_parts(text) == parts


def test_a_correction_in_a_later_sentence() -> None:
    assert x.says_correction("On a une étude de tracé. Et pardon, le budget c'est plutôt 450 000.")
    assert not x.says_correction("On a une étude de tracé. Le budget est de 450 000.")


@pytest.mark.parametrize("said, timing", [
    ("coût 3,4 M€ HT, réalisation en tranches 2027-2029. Nous sollicitons", "réalisation en tranches 2027-2029"),
    ("2027-2029", "2027-2029"),
    ("travaux en 2027", "travaux en 2027"),
    ("jm.perrin@sermamagny.fr ; plutôt 2028 ; on aurait besoin d'aide", "2028"),  # a year alone in its clause
    ("la commune compte 2028 habitants", None),
])
def test_a_span_of_years_is_the_calendar(said: str, timing: str | None) -> None:
    assert x.find_timing(said) == timing


def test_signature_and_introduction() -> None:
    letter = ("Bonjour, je vous écris de la part de M. le Maire. La commune de Lepuix souhaite rénover la toiture. "
              "Cordialement,\nMartine Roux\nSecrétaire de mairie\n03 84 29 00 00")
    assert find_signature(letter) == {"role": "agent", "name": "Martine Roux"}
    assert find_signature("Réfection du lavoir. Cordialement, Paul Girard") == {"name": "Paul Girard"}
    # a phone and an e-mail on one line, with a dash between them, under the name
    assert find_signature("Rénover l'école.\nBien cordialement,\nAnne Roy, secrétariat de mairie\n"
                          "03 84 00 00 00 – mairie@lepuix.fr") == {"name": "Anne Roy", "role": "agent"}
    assert find_signature("Bonjour\nnous voulons rénover l'école de la commune qui est vieille") == {}
    assert find_intro("Bonjour. Olivier Jeannin, DGS de Valdoie. Projet : x") == {"name": "Olivier Jeannin",
                                                                                    "role": "agent"}
    assert x.find_role("M. le Maire souhaite rénover la mairie") is None


@pytest.mark.parametrize(("text", "amount"), [
    ("on pense 120 000", 120000),
    ("commune de 3 500 habitants", None),
    ("une salle de 1 200 m2", None),
    ("appelez le 03 84 29 00 00", None),
])
def test_a_grouped_figure_is_euros(text: str, amount: int | None) -> None:
    found = x.find_amount(text)
    assert (found.low if found else None) == amount


@pytest.mark.parametrize("text, expected", [
    ("slt c le maire de lagrange", "maire"),
    ("bonjour c'est Didier Fleury adjoint aux travaux à Rougegoutte", "adjoint"),
    ("Bonjour Madame, Monsieur, secrétaire de mairie à Bourg-sous-Châtelet. Nous devons", "agent"),
    ("Bonjour, mairie de Trévenans, secrétaire. Rénovation de la salle", "agent"),
    ("Stéphane Vernier\nDirecteur général des services\nVille de Beaucourt", "agent"),
    ("c'est pour le maire", None),
    ("Je vous écris de la part de M. le Maire, qui est en congé", None),
    ("Bonjour, le maire souhaite refaire l'école", None),
    ("Julien Bringard, chargé de mobilité à la communauté de communes", "agent"),
    ("je suis chargée des marchés publics à la ville", "agent"),
    ("les travaux sont à la charge de la commune", None),
    # a typo in the role word (two letters swapped, one wrong)
    ("bonjour je suis la secretiare de mairie de Rechésy", "agent"),
    ("slt je suis adjiont aux travaux", "adjoint"),
    ("on m'a conseillé de vous écrire", None),
])
def test_a_role_opening_a_clause_or_after_ones_name(text: str, expected: str | None) -> None:
    assert x.find_role(text) == expected


@pytest.mark.parametrize("said, budget", [
    ("80 k TTC hein, HT ça fait 66 000", 66000),
    ("devis de 54 000 € TTC (45 000 € hors taxes)", 45000),
    ("1,2 M€ TTC, 1 M€ HT", 1000000),
    ("HT : 45 000, TTC : 54 000", 45000),
    ("on est à 120 000 € TTC", 120000),  # one amount: it stays
    ("environ 300 000 € HT, travaux 2027", 300000),
])
def test_the_amount_without_tax_when_both_are_said(said: str, budget: int) -> None:
    found = x.find_amount(said)
    assert found is not None and found.low == budget


@pytest.mark.parametrize("said, budget", [
    ("chiffrés par nos services : 3 500 € HT le lampadaire, donc 70 000 € HT", 70000),  # a unit price, then the sum
    ("450 € le mètre linéaire, soit 36 000 € au total", 36000),
    ("2 000 € par borne, en tout 24 000 €", 24000),
    ("budget 200 k€, donc 50 k€ à trouver", 200000),  # a smaller second amount is no total
    ("devis de 80 000 €, soit 2027 pour les travaux", 80000),  # a year is no amount
    ("Coût total 160 000 € HT ; la Région a promis 40 000 €, il reste donc 120 000 € à trouver.", 160000),  # a rest
    ("l'État a donné 20 000 €, donc 60 000 € à financer", 20000),
])
def test_a_total_after_a_unit_price_is_the_budget(said: str, budget: int) -> None:
    assert x.find_amount(said).low == budget and x.find_amount(said, asked=True).low == budget


def test_an_amount_restated_without_tax_is_a_correction() -> None:
    assert x.is_correction("80 k TTC hein, HT ça fait 66 000")
    assert not x.is_correction("on est à 120 000 € TTC")


def test_a_role_said_of_someone_else_is_not_ones_role() -> None:
    # « avec le délégué … »: « c le » inside « avec le » is not « c'est le »
    said = "en fait je préfère échanger directement avec le délégué territorial de l'ANCT, pouvez-vous lui transmettre"
    assert x.find_role(said) is None
    assert x.find_role("c le maire de Lepuix") == "maire"
    assert x.find_role("bonjour, je suis la secrétaire de mairie") is not None


# --- issue 19, batch 4: the stage, the budget and the calendar said in other ways ---------------------------------
def test_a_figure_said_without_tax_is_an_amount() -> None:
    assert x.find_amount("le devis est signé, 48000 HT, pose l'été 2027").low == 48000
    assert x.find_amount("58000 HT").low == 58000


@pytest.mark.parametrize("said, stage", [
    ("LE CABINET A FAIT L ETUDE AVEC LE DEPARTEMENT. 320000 EUROS HT. TRAVAUX EN 2027", "etude"),  # a calendar
    ("Programme et faisabilité validés, concours de maîtrise d'œuvre à lancer", "etude"),  # « à lancer »: not yet
    ("on lance les travaux", "pret"),
])
def test_the_loose_stage_words_leave_the_calendar_and_what_is_still_to_do(said: str, stage: str) -> None:
    assert x.find_stage(said, asked=True) == stage


def test_a_quote_validated_and_an_idea_inside_a_long_sentence() -> None:
    assert x.find_stage("Devis validé en conseil municipal le mois dernier") == "projet-defini"
    assert x.find_stage("pour faire de l'autoconsommation c'est une idée pour le moment on n'a pas de devis") == "idee"
    assert x.find_stage("c'est une bonne idée") is None


@pytest.mark.parametrize("said, timing", [
    ("L'étude de faisabilité a été faite par l'agence d'urbanisme", None),  # « a été » is a verb
    ("2027", "2027"),
    ("jm.perrin@sermamagny.fr ; plutôt 2028 ; on aurait besoin d'aide", "2028"),
    ("la salle date de 1980, fermée depuis 2020", None),
    ("le montant est de 480 000 € HT, on vise 2028", "2028"),
    ("réalisation en tranches 2027-2029", "réalisation en tranches 2027-2029"),
])
def test_the_calendar_said_alone_or_as_a_period(said: str, timing: str | None) -> None:
    assert x.find_timing(said) == timing


def test_a_dictated_email_is_part_of_the_contact() -> None:
    said = "jean luc tournier 06 84 12 55 09 mairie tiret lebetain arobase orange point fr"
    assert x.strip_contact(said) == "jean luc tournier"


def test_a_signature_whose_contact_line_joins_phone_and_email_with_a_dash() -> None:
    letter = ("Bonjour,\nPourriez-vous nous indiquer les aides possibles ?\nBien cordialement,\n"
              "Laetitia Girardin, secrétariat de mairie\n03 84 36 60 15 – accueil@mairie-meziere.fr")
    assert find_signature(letter).get("name") == "Laetitia Girardin"


def test_a_forwarded_mail_is_sent_by_the_person_it_was_sent_to() -> None:
    from intents.signature import forwarded_recipient

    mail = ("Je vous fais suivre le message du maire.\n\n---------- Message transféré ---------\n"
            "De : Mairie de Cunelières <mairie@x.fr>\nÀ : Thierry Lab <thierry.lab@x.fr>\nObjet : École\n\nThierry,\n…")
    assert forwarded_recipient(mail) == "Thierry Lab"
    assert forwarded_recipient("De : Mairie <m@x.fr>\nÀ : Jean Roux <j@x.fr>") is None  # nothing forwarded
