"""Facts of batch 17's dev stories (691–730) read where they are said: a correction led by « c'est presque ça mais
mettez … » or by a first sentence « sauf la commune : X, pas Y », « pas de devis encore » in an SMS, « pr cet ete
2027 », a name in lower case before its title or in a form's field, the help asked then what it is for, « devi »,
a total that changed, money missing is no part of the need, a project put off in the same message, a title at the
commune's technical services, a role named of someone else at the role's question."""

from __future__ import annotations

import pytest

from bot.dialogue.answers import _role_answer
from intents import extract as x
from intents.distill import distill_need
from intents.intro import find_intro
from intents.need import addition_parts, project_after_help
from intents.roles import find_role


def test_a_correction_after_almost_right() -> None:
    text = ("c'est presque ça mais mettez idée, pas étude : le croquis c'est un copain architecte sur un coin de table, "
            "rien d'officiel")
    assert x.correction_parts(text) == ("idée", "étude")


def test_no_quote_yet_in_an_sms_is_the_idea() -> None:
    assert x.find_stage("pas de devis encore le maire dit 85000 a la louche. et dsl c Anjoutey pas Etueffont") == "idee"
    assert x.find_stage("aucune étude mais on a les devis du couvreur") == "projet-defini"
    assert x.find_stage("on a un devi de 43500 de l'entreprise de la vallée") == "projet-defini"


@pytest.mark.parametrize("text, timing", [
    ("ce serait pr cet ete 2027 pendant les vacances", "pr cet ete 2027"), ("pour cet été 2027", "pour cet été 2027"),
])
def test_this_season_and_its_year(text: str, timing: str) -> None:
    assert x.find_timing(text) == timing


def test_names_in_lower_case_or_in_a_field() -> None:
    assert find_intro("pascal thiébaut, 2e adjoint, pascal.thiebaut@bessoncourt.fr") == \
        {"name": "Pascal Thiébaut", "role": "adjoint"}
    assert find_intro("Bonjour,\n- Commune : Essert\n- Porteur : Isabelle Carrez, DGS\n- Projet : un périscolaire") == \
        {"name": "Isabelle Carrez", "role": "agent"}


@pytest.mark.parametrize("text, thing", [
    ("slt on cherche des sous pr un skatepark", "un skatepark"), ("on cherche des sous pour la commune", None),
    ("on veut des panneaux pour la salle", None),
])
def test_what_the_help_is_for(text: str, thing: str | None) -> None:
    assert project_after_help(text) == thing


def test_a_total_that_changed() -> None:
    found = x.find_amount("on a trouvé de l'amiante, 38 000 € de plus, le total passe à 262 000 €.")
    assert found is not None and found.low == 262_000


@pytest.mark.parametrize("text, part", [
    ("Il nous manque de quoi boucler, une subvention même petite nous aiderait.", ""), ("il manque des sous", ""),
    ("il manque : l'isolation des combles", "l'isolation des combles"),
])
def test_money_missing_is_no_part_of_the_need(text: str, part: str) -> None:
    assert addition_parts(text)[0] == part


def test_a_project_put_off_in_the_same_message() -> None:
    need = distill_need("Bonjour, secrétaire de mairie de Florimont. Nous avons deux sujets : une aire de covoiturage à "
                        "l'entrée du village, et un jour il faudra refaire le mur du cimetière, mais ça c'est pour plus "
                        "tard. On dépose seulement l'aire de covoiturage.")
    assert "covoiturage" in need and "cimetière" not in need


def test_roles_said_at_work_or_of_someone_else() -> None:
    assert find_role("Bonjour, je suis responsable du centre technique municipal de Cravanche") == "agent"
    assert _role_answer("Steve Mougenot, 06 35 90 27 41, st@cravanche.fr. Le maire voudrait savoir ce qu'on peut "
                        "avoir comme subventions.") is None
    assert _role_answer("adjoint aux travaux") == "adjoint"
