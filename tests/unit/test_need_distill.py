"""Issue 19: the need distilled to the project's clauses; amounts in words; a contact corrected within a message;
the name written before a contact; the stage and the help said in words the rules do not know."""

from __future__ import annotations

import pytest

from intents.clause_facts import clause_help, clause_stage
from intents.contact_name import find_name_by_contact
from intents.distill import _cut_facts, distill_need, set_aside, spoken, spoken_clauses, split_clauses
from intents.encoder import get_encoder
from intents.entities import find_email, find_phone
from intents.extract import find_amount
from intents.need import clean_need
from intents.numbers import words_to_figures
from intents.project_said import project_clauses, some_project

ENCODER = get_encoder() is not None


@pytest.mark.parametrize("said, figures", [
    ("L'architecte l'estime à soixante-quinze mille euros.", "L'architecte l'estime à 75000 euros."),
    ("quatre cent mille euros", "400000 euros"),
    ("quatre-vingt-quinze mille €", "95000 €"),
    ("un million et demi", "1500000"),
    ("un million deux", "1200000"),
    ("trois millions deux cent mille euros", "3200000 euros"),
    ("un projet pour deux écoles", "un projet pour deux écoles"),  # below a thousand: words stay
    ("1,2 million", "1,2 million"),  # figures already
])
def test_number_words(said: str, figures: str) -> None:
    assert words_to_figures(said) == figures


def test_amounts_in_words_and_beside_a_phone() -> None:
    assert find_amount("L'architecte l'estime à soixante-quinze mille euros").low == 75000
    assert find_amount("300 mille euros").low == 300000
    said = "audit fait, 370 000, travaux été 2027. Sylvain Courtot 06 73 40 16 28"
    assert find_amount(said).low == 370000


def test_a_contact_corrected_within_the_message() -> None:
    assert find_phone("03 84 23 57 12... non attendez c'est le 03 84 23 75 12") == "+33384237512"
    assert find_phone("mairie 03 84 00 00 00 ou portable 06 11 22 33 44") == "+33384000000"  # no correction: first
    assert find_email("mairie.x@orange.fr... non pardon c'est mairie.x@wanadoo.fr") == "mairie.x@wanadoo.fr"


@pytest.mark.parametrize("said, name", [
    ("on cherche des subventions. Sylvain Courtot 06 73 40 16 28 mairie@bourogne.fr", "Sylvain Courtot"),
    ("Christophe Bihr mairie.reppe@wanadoo.fr", "Christophe Bihr"),
    ("Contact : Anne Sirot, DGS – 03 84 57 64 00 – dgs@valdoie.fr", "Anne Sirot"),
    ("Mairie de Chaux, 03 84 00 00 00", None),
    ("mon numéro c'est plutôt le 06 21 44 87 10", None),
    # dictated (no capital at all): the words that open the message before the contact
    ("marie-claire vuillemin 06 21 44 87 10 mairie point chaux arobase orange point fr", "Marie-Claire Vuillemin"),
    ("c est paul girardot 03 84 27 11 02", "Paul Girardot"),
    ("rappelez moi au 06 21 44 87 10", None),
    ("maire de lepuix 06 21 44 87 10", None),
    ("on cherche des subventions 06 21 44 87 10", None),
])
def test_name_before_a_contact(said: str, name: str | None) -> None:
    assert find_name_by_contact(said) == name


def test_clauses_and_dictation() -> None:
    assert [c.text for c in split_clauses("Bonjour, maire de Boron. Les travaux ont démarré, 95 000 €.")] == [
        "Bonjour", "maire de Boron", "Les travaux ont démarré", "95 000 €"]
    assert spoken("un atelier virgule le budget c'est 400 000 euros point on a une esquisse point") == \
        "un atelier, le budget c'est 400 000 euros. on a une esquisse."
    # dictated without any punctuation: a subject that opens a clause marks it, not one inside a clause
    assert spoken_clauses("le cabinet a estimé la réfection à 150000 euros hors taxes on voudrait lancer ça en 2027 "
                          "on cherche des aides") == ("le cabinet a estimé la réfection à 150000 euros hors taxes. on "
                                                      "voudrait lancer ça en 2027. on cherche des aides")
    said = "c est pour la salle dont on parlait avec le conseil et que nous voulons rénover depuis longtemps"
    assert spoken_clauses(said) == said
    assert spoken_clauses("Bonjour, on voudrait rénover la salle des fêtes et on cherche des aides") == \
        "Bonjour, on voudrait rénover la salle des fêtes et on cherche des aides"  # written: unchanged
    assert _cut_facts("le devis de 48 000 euros hors taxes est signé") == "le devis est signé"


@pytest.mark.parametrize("said, has, lacks", [
    ("Bonjour, la mairie de Méziré voudrait agrandir la cantine scolaire, on manque de place depuis 2 ans.",
     ["cantine"], ["manque de place", "Bonjour"]),
    ("hello ! chef de projet PVD à Giromagny, on a un projet de coworking dans l'ancienne poste, le business plan "
     "est ready, on cherche du funding", ["coworking"], ["funding", "ready", "hello"]),
    ("Maire de Boron. Les travaux du clocher ont démarré en octobre, 95 000 €, on a besoin d'aide pour boucler le "
     "financement.", ["clocher"], ["octobre", "95 000", "boucler"]),
    ("Bonjour, ce n'est pas pour le city stade, c'est une nouvelle demande : nous voulons créer un columbarium, devis "
     "signé à 35 000 €.", ["columbarium"], ["city stade", "35 000"]),
    # issue 19, batch 4: the object named in another clause, reported words, a file handed over, a mail's subject
    ("Bonjour, le préau de l'école est trop petit, il faut l'agrandir et le couvrir.", ["préau"], ["Bonjour"]),
    ("Maire de Chaux. Le SDIS nous a signalé que le hameau n'a pas de défense incendie. Il faut une citerne.",
     ["incendie", "citerne"], ["SDIS", "signalé"]),
    ("Bonjour, le maire m'a confié le dossier de la boulangerie : la commune voudrait racheter les murs et les "
     "rénover.", ["boulangerie", "racheter"], ["confié"]),
    ("Objet : Salle des fêtes\n\nBonjour,\nPeux-tu faire la demande pour la rénovation de la salle des fêtes en salle "
     "multi-activités ? Le devis est signé.\nMerci", ["multi-activités"], ["Peux-tu", "devis"]),
    # the situation of the people who wait (the why), and a project located and costed by the collectivité's services
    ("Nous voulons créer un préau devant la mairie annexe. Les habitants font la queue dehors sous l'averse.",
     ["préau"], ["averse"]),
])

def test_the_need_is_the_project_only(said: str, has: list[str], lacks: list[str]) -> None:
    need = distill_need(said)
    if not ENCODER:
        assert need == clean_need(said)  # the rules alone
        return
    for word in has:
        assert word in need
    for word in lacks:
        assert word not in need


@pytest.mark.skipif(not ENCODER, reason="the encoder reads these; without it the rules alone read nothing here")
def test_a_project_costed_by_ones_own_services_is_studied() -> None:
    assert clause_stage("Les points lumineux sont recensés et chiffrés par nos agents, 40 000 € en tout.") == "etude"


def test_an_addition_without_a_project_adds_nothing() -> None:
    said = "Est-ce que l'Agence de l'eau pourrait aider ? On aurait besoin de financement"
    assert distill_need(said, fallback=False) == ("" if ENCODER else clean_need(said))


@pytest.mark.skipif(not ENCODER, reason="the encoder reads these; without it the rules alone read nothing here")
def test_stage_and_help_in_words() -> None:
    assert clause_stage("le business plan est ready, on cherche du funding") == "etude"
    assert clause_help("le business plan est ready, on cherche du funding") == ["financement"]
    assert clause_help("Pour l'instant c'est une idée, nous aurions besoin d'aide pour structurer le projet.") == [
        "ingenierie"]
    assert clause_help("Bonjour, on a besoin d'aide") == []  # help without a kind: asked with buttons
    assert clause_stage("Projet : requalification de la friche") is None


def test_bad_input_never_raises() -> None:
    for bad in (None, "", "   ", 12, "€€€ ,,, ..."):
        distill_need(bad)
        clause_stage(bad)
        clause_help(bad)
        find_name_by_contact(bad)
        words_to_figures(bad) if isinstance(bad, str) else None


@pytest.mark.parametrize("clause, contact", [
    ("03 84 31 13 62", True), ("Tél : 03 84 31 13 62", True), ("+33 6 12 34 56 78", True),
    ("mairie.frais@wanadoo.fr", True), ("courriel : a.b@c.fr – tél 03.84.31.13.62", True),
    ("2026", False), ("450 000 000", False), ("Pour 450 000 €", False), ("Sylvain Courtot 06 73 40 16 28", False),
])
def test_a_contact_line_is_read_without_the_encoder(clause: str, contact: bool) -> None:
    from intents.distill import _contact_only

    assert _contact_only(clause) is contact


@pytest.mark.skipif(not ENCODER, reason="the labels come from the encoder")
def test_formulas_and_contact_lines_are_labelled_without_encoding(monkeypatch) -> None:
    """A clause said word for word as a labelled one takes that one's vector; a contact line is a signature. Neither
    is encoded (the cost of a letter's boilerplate), and the need read is the same."""
    from intents import distill, encoder

    letter = ("Bonjour,\nPour la commune de Lepuix : reprendre la dernière épicerie du village\n"
              "Cordialement\nTél : 03 84 31 13 62")
    expected = distill_need(letter)
    encoded: list[str] = []
    real = encoder.encode_query

    def spy(text: str):
        encoded.append(text)
        return real(text)

    monkeypatch.setattr(encoder, "encode_query", spy)
    labelled = distill.label_clauses([distill.Clause(t, 0, 0) for t in ("Cordialement", "Tél : 03 84 31 13 62")])
    assert [c.label for c in labelled] == ["greeting", "signature"]
    assert encoded == []
    assert distill_need(letter) == expected
    assert "épicerie" in expected and "03 84" not in expected


@pytest.mark.skipif(not ENCODER, reason="a project put off is read by the encoder")
def test_a_project_put_off_leaves_the_need() -> None:
    need = "le cimetière est plein, il faut l'agrandir, puis il y a le parking de l'école"
    assert set_aside(need, "Le parking on verra plus tard, c'est le cimetière qui presse.") == \
        "le cimetière est plein, il faut l'agrandir"
    assert set_aside("rénover la salle des fêtes", "Le parking on verra plus tard.") is None  # nothing of it
    assert set_aside(need, "Le devis est signé, 48000 HT.") is None


@pytest.mark.skipif(not ENCODER, reason="the encoder reads these")
def test_a_help_asked_as_a_question() -> None:
    assert clause_help("on voudrait refaire la cour de la mairie, t'as des aides ?") == ["financement"]
    assert clause_help("Quelle est la démarche ?") == []  # a question about nothing of the help


@pytest.mark.skipif(not ENCODER, reason="the clause is read by the encoder")
def test_one_more_part_that_is_another_fields_adds_nothing() -> None:
    said = "le bureau d etudes a chiffré le renforcement à 380000 euros hors taxes on cherche des subventions"
    assert distill_need(said, fallback=False) == ""
    assert distill_need("et aussi refaire le toit de l'école", fallback=False) == "et aussi refaire le toit de l'école"
    assert "été" in distill_need("le pont a été limité à 3 tonnes 5, il faut le renforcer")  # « a été »: a verb


@pytest.mark.parametrize("text, expected", [
    ("Bonjour,\n\nPour la commune de Lepuix : une salle\n\nCordialement,\nMarie", "Pour la commune de Lepuix : une salle"),
    ("Madame, Monsieur,\nNous voudrions refaire le pont.", "Nous voudrions refaire le pont."),
    ("Monsieur le Préfet,\n\nLa commune souhaite...", "La commune souhaite..."),
    ("Bonjour,\n", "Bonjour,\n"),  # nothing else: the greeting is the message
    ("Bonjour Marie,\nle pont", "Bonjour Marie,\nle pont"),  # not a formula alone: left as written
    ("Bonjour, on veut refaire le pont", "Bonjour, on veut refaire le pont"),  # one line: left as it is
])
def test_the_words_read_leave_a_letters_opening_line_aside(text: str, expected: str) -> None:
    from intents.signature import reading_text

    assert reading_text(text) == expected


@pytest.mark.parametrize("text, place", [
    ("Pour la commune de Lepuix", True),
    ("Mairie de Fêche-l'Église", True),
    ("Commune de Rougemont-le-Château", True),
    ("Pour la commune de Lepuix on veut une salle", False),
    ("la commune de Delle souhaite rénover", False),
    ("pour la mairie de la ville", False),
])
def test_a_clause_that_only_names_the_collectivite_is_an_introduction(text: str, place: bool) -> None:
    from intents.distill import _place_only, label_clauses, Clause

    assert _place_only(text) is place
    if place and get_encoder() is not None:
        assert label_clauses([Clause(text, 0, 0)])[0].label == "intro"


@pytest.mark.skipif(not ENCODER, reason="no sentence encoder")
@pytest.mark.parametrize("said", [
    "Bonjour, nouvelle adjointe à Meroux-Moval. Quelle est la différence entre la DSIL et la DETR ? On peut cumuler "
    "les deux sur un même projet ?",
    "Bonjour, je suis le maire de Bessoncourt. Oui, le village à côté de Belfort, pas la zone commerciale !",
])
def test_who_one_is_and_a_question_hold_no_project(said: str) -> None:
    """Issue 19, q8: who one is, context and a question: no clause is the project (not the one most like it)."""
    assert distill_need(said, fallback=False) == ""
    assert project_clauses(said) == []
    assert not some_project(said)


@pytest.mark.skipif(not ENCODER, reason="no sentence encoder")
def test_a_project_read_partly_as_the_help_is_some_project() -> None:
    """« on voudrait les changer » labelled the help, with a good share of project among its neighbours (from the
    acts dev examples): a project is said, the question is a request."""
    said = ("Bonjour, maire de Meroux-Moval. Pour les fenêtres de la mairie, qui sont encore en simple vitrage, on "
            "voudrait les changer : il y a des aides ?")
    assert distill_need(said, fallback=False) == ""
    assert some_project(said)


@pytest.mark.skipif(not ENCODER, reason="no sentence encoder")
def test_project_clauses_say_whether_they_are_asked() -> None:
    asked = project_clauses("Bonjour, maire de Chèvremont. Juste pour savoir : le Fonds vert finance-t-il le "
                            "remplacement des lampadaires par des LED ?")
    assert asked and all(q for _, q in asked) and any("lampadaires" in w for w, _ in asked)
    told = project_clauses("Bonjour, maire de Novillard. Nous voulons remplacer les lampadaires par des LED. Le Fonds "
                           "vert peut-il aider ?")
    assert told and any("lampadaires" in w and not q for w, q in told)
    assert project_clauses(None) is None


@pytest.mark.skipif(not ENCODER, reason="needs the sentence encoder")
@pytest.mark.parametrize("said, has, lacks", [
    # dictated without punctuation: read by its clauses, how it is written is not the project (dev 334)
    ("bonjour c'est Valérie Monnier maire d'Argiésans je vous dicte en voiture alors on voudrait construire un préau "
     "dans la cour de l'école parce que les enfants n'ont aucun abri quand il pleut on a eu un devis d'un charpentier "
     "à 62000 euros voilà", ["préau"], ["dicte", "voiture", "Monnier", "62000"]),
    # the object named by a pronoun (« la transformer ») is in the clause before, the state of things (dev 335)
    ("Bonjour, je suis le maire d'Auxelles-Haut (287 habitants). L'ancienne école est vide depuis la fermeture de la "
     "classe, on voudrait la transformer en deux logements communaux à louer. Le projet est prêt, on pense à 350 000 €.",
     ["école", "logements"], ["prêt", "350"]),
    # another project named to set it aside is not this one (dev 394)
    ("Rebonjour ! Rien à voir avec la toiture de la mairie, c'est un autre projet : on voudrait créer un verger "
     "communal et quelques jardins partagés sur le terrain derrière l'école. C'est une idée, 18 000 € environ.",
     ["verger"], ["toiture"]),
    # where people do a thing for want of the place asked is the context (dev 379)
    ("Bonjour, maire de Montreux-Château. Il nous faut un bâtiment périscolaire à côté de l'école, les enfants mangent "
     "dans la salle des fêtes. Estimation 380 000 €.", ["périscolaire"], ["salle des fêtes"]),
    # words set off by commas or brackets inside the state of things are part of it, not items of the project (393)
    ("À la demande de Monsieur le Maire, je vous sollicite au sujet de la construction d'un nouvel atelier municipal "
     "pour nos services techniques. Le bâtiment actuel, une ancienne grange, n'est plus aux normes (chauffage, "
     "sanitaires, stockage des produits).", ["atelier"], ["grange", "chauffage", "sanitaires"]),
    # ... but not the project's own items after it, nor what follows the state of things (dev 297, 232, 144)
    ("Le logement communal au-dessus de la mairie est vide depuis deux ans, il faut tout reprendre (isolation, "
     "électricité, salle de bain) pour pouvoir le relouer.", ["logement", "isolation"], []),
    ("Avec le nouveau lotissement, l'école maternelle est pleine : il faut construire une classe en plus.",
     ["maternelle", "classe"], ["lotissement"]),
    ("on voudrait déposer un dossier pour ça : transformer l'ancienne école, fermée depuis 2019, en trois logements "
     "communaux.", ["école", "logements"], []),
    # a dictated message's parts are joined as said, not with our stops
    ("bonjour ici le maire de lebetain on a un pont sur la route de la fontaine qui a été limité à 3 tonnes 5 après l "
     "inspection le car scolaire et les pompiers ne peuvent plus passer il faut le renforcer ou le refaire",
     ["pont", "renforcer"], [". "]),
])
def test_the_need_of_batches_8_and_9(said: str, has: list[str], lacks: list[str]) -> None:
    need = distill_need(said)
    assert all(w in need for w in has), need
    assert not any(w in need for w in lacks), need


@pytest.mark.skipif(not ENCODER, reason="needs the sentence encoder")
@pytest.mark.parametrize("said, has, lacks", [
    # a clause read as the date it carries is read again without it (dev 430's words: not blind)
    ("Bonjour, Paul Girardot, chargé de mission habitat à la communauté de communes du Sud Territoire. L'OPAH "
     "précédente est terminée ; nous voulons lancer l'étude pré-opérationnelle d'une nouvelle OPAH en 2027. Cahier "
     "des charges rédigé, estimation 80 000 € HT.", ["OPAH", "étude"], ["Cahier", "2027", "précédente"]),
    # « en faire … »: what « en » is, is in the clause before (the kind of dev 434)
    ("Bonjour, maire de Vescemont. La commune a racheté l'ancien presbytère, on voudrait en faire une maison "
     "médicale.", ["presbytère", "maison médicale"], ["Vescemont"]),
    ("Bonjour. L'ancienne boulangerie est à vendre, on aimerait en faire un commerce multiservice.",
     ["boulangerie", "multiservice"], []),
])
def test_the_need_of_batch_10(said: str, has: list[str], lacks: list[str]) -> None:
    need = distill_need(said)
    assert all(w in need for w in has), need
    assert not any(w in need for w in lacks), need


@pytest.mark.skipif(not ENCODER, reason="needs the sentence encoder")
def test_a_day_and_its_month_are_cut_together() -> None:
    """Found replaying in `guichet chat`: « il manque : le conseil municipal a voté le projet le 12 novembre » was added
    as « … a voté le projet le 12 » (the month cut, its day left)."""
    assert distill_need("le conseil municipal a voté le projet le 12 novembre", fallback=False) == \
        "le conseil municipal a voté le projet"
    assert "12 logements" in distill_need("construire 12 logements en mai 2027")
