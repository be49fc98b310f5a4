"""The comité's dashboard, printable report and exports through the ASGI app (SQLite and PostgreSQL), for every
role: who may see and download what."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from tests.web.conftest import WebEnv, text_of

PAGES = ("/console/tableau-de-bord", "/console/rapport")
EXPORTS = ("/console/export.csv", "/console/export.xlsx")


async def _requests(web: WebEnv) -> dict[str, str]:
    staff = web.guichet.staff
    giro = await web.new_request(commune_name="Giromagny", commune_code="90052", epci_code="200069060",
                                 themes=["sante"])
    belfort = await web.new_request(commune_name="Belfort", commune_code="90010", epci_code="200069052",
                                    themes=["energie-batiments"], user_id="2002", chat_id="2002",
                                    description="Rénover l'école")
    other = await web.new_request(commune_name="Delle", commune_code="90033", epci_code="249000241",
                                  themes=["eau"], user_id="3003", chat_id="3003", description="Station d'épuration")
    await staff.route(giro.reference, "ademe", "telegram:7", "Agent A")
    await staff.close(other.reference, "s", "telegram:7", None, "Agent A")
    return {"giro": giro.reference, "belfort": belfort.reference, "other": other.reference}


async def test_who_may_open_the_dashboard_and_report(web: WebEnv, login_as) -> None:  # noqa: ANN001
    await _requests(web)
    anon = web.client()
    for path in PAGES + EXPORTS:
        assert (await anon.get(path)).status_code == 303, path  # to the login page
    for role in ("comite", "prefecture", "admin"):
        c = await login_as(role)
        for path in PAGES:
            r = await c.get(path)
            assert r.status_code == 200, (role, path)
            body = text_of(r)
            assert "Giromagny" in body and "Santé et accès aux soins" in body and "CC des Vosges du Sud" in body
            visible = re.sub(r"<[^>]+>", " ", body)  # what a person reads (codes stay in option values)
            assert "sante" not in visible and "200069060" not in visible  # names, not codes
    op = await login_as("operateur", "ademe")
    for path in PAGES:
        assert (await op.get(path)).status_code == 403, path


async def test_dashboard_figures_filters_and_bad_input(web: WebEnv, login_as) -> None:  # noqa: ANN001
    refs = await _requests(web)
    c = await login_as("comite")
    body = text_of(await c.get("/console/tableau-de-bord"))
    assert "Tableau de bord du comité local" in body
    assert "demandes reçues" in body and "hors délai d'engagement" in body
    assert "Ademe" in body and "Close sans suite" in body
    assert "<svg" in body and 'aria-hidden="true"' in body  # bars are decorative; numbers are in the table
    # The comité cannot open request pages: references are not links for them
    assert f'href="/console/demandes/{refs["giro"]}"' not in body
    # The dashboard is cached while nothing changes; a new request shows at once
    before = text_of(await c.get("/console/tableau-de-bord?epci=249000241"))
    await web.new_request(commune_name="Delle", commune_code="90033", epci_code="249000241", user_id="4004",
                          chat_id="4004")
    after = text_of(await c.get("/console/tableau-de-bord?epci=249000241"))
    count = re.compile(r'guichet-figure">(\d+)</span> demandes reçues')
    assert int(count.search(after).group(1)) == int(count.search(before).group(1)) + 1
    # A filter on the EPCI keeps Belfort only, and the active filter is shown
    body = text_of(await c.get("/console/tableau-de-bord?epci=200069052"))
    assert "Belfort" in body and "Giromagny" not in body.split("Affiché")[1]
    # A period with nothing
    body = text_of(await c.get("/console/tableau-de-bord?du=2001-01-01&au=2001-12-31"))
    assert "Aucune demande sur cette période." in body
    # Bad input never crashes: the defaults are used
    for query in ("du=hier&au=demain", "du=" + "9" * 5000, "statut=%27%20OR%201%3D1", "theme=%00", "epci=x" * 50,
                  "du=2026-02-30", "au=0001-01-01"):
        r = await c.get("/console/tableau-de-bord?" + query)
        assert r.status_code == 200, query


async def test_report_for_a_period(web: WebEnv, login_as) -> None:  # noqa: ANN001
    refs = await _requests(web)
    c = await login_as("comite")
    today = dt.datetime.now(dt.timezone.utc).date()
    start = today.replace(day=1)
    r = await c.get(f"/console/rapport?du={start.isoformat()}&au={today.isoformat()}")
    body = text_of(r)
    assert r.status_code == 200
    assert "Rapport au comité local de cohésion territoriale" in body and "Territoire de Belfort" in body
    assert "L1232-2" in body
    for part in ("1. Les demandes reçues", "2. La suite donnée", "3. L'avancement des projets",
                 "4. Délais et engagement"):
        assert part in body
    for ref in refs.values():
        assert ref in body
    assert "dashboard.css" in r.text  # the print stylesheet
    # The period of the report is the one asked
    old = text_of(await c.get("/console/rapport?du=2020-01-01&au=2020-06-30"))
    assert refs["giro"] not in old and "Aucune demande sur cette période." in old


async def test_exports_respect_roles(web: WebEnv, login_as) -> None:  # noqa: ANN001
    refs = await _requests(web)

    async def csv_rows(client) -> list[list[str]]:  # noqa: ANN001
        r = await client.get("/console/export.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        text = r.content.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))

    for role in ("comite", "prefecture", "admin"):
        rows = await csv_rows(await login_as(role))
        assert rows[0][0] == "Référence"
        assert {r[0] for r in rows[1:]} == set(refs.values()), role
        assert all("Jeanne Martin" not in ";".join(r) and "+33612345678" not in ";".join(r) for r in rows)
    # An operator agent exports only the requests routed to its operator
    ademe = await csv_rows(await login_as("operateur", "ademe"))
    assert [r[0] for r in ademe[1:]] == [refs["giro"]]
    cerema = await csv_rows(await login_as("operateur", "cerema"))
    assert cerema[1:] == []
    no_operator = await login_as("operateur", None)
    assert (await no_operator.get("/console/export.csv")).status_code == 403

    import openpyxl

    c = await login_as("operateur", "ademe")
    r = await c.get("/console/export.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = [list(x) for x in wb.active.iter_rows(values_only=True)]
    assert rows[0][0] == "Référence" and [x[0] for x in rows[1:]] == [refs["giro"]]
    full = await (await login_as("prefecture")).get("/console/export.xlsx?epci=200069052")
    rows = [list(x) for x in openpyxl.load_workbook(io.BytesIO(full.content), read_only=True).active
            .iter_rows(values_only=True)]
    assert [x[0] for x in rows[1:]] == [refs["belfort"]]


async def test_dashboard_and_report_show_requests_per_channel_by_name(web: WebEnv, login_as) -> None:  # noqa: ANN001
    """issue 20: the channel the request came by (Telegram, the web page, e-mail, the terminal), names not codes."""
    await web.new_request()  # Telegram
    await web.new_request(channel="telegram", user_id="1002", chat_id="1002")
    await web.new_request(channel="web", user_id="w1", chat_id="w1")
    await web.new_request(channel="email", user_id="mairie@chaux.test", chat_id="mairie@chaux.test")
    await web.new_request(channel="email", user_id="dgs@delle.test", chat_id="dgs@delle.test")
    await web.new_request(channel="email", user_id="maire@lepuix.test", chat_id="maire@lepuix.test")
    await web.new_request(channel="console", user_id="alice", chat_id="alice")
    c = await login_as("comite")
    for path, section in (("/console/tableau-de-bord", "par-canal"), ("/console/rapport", "r-par-canal")):
        body = text_of(await c.get(path))
        found = re.search(rf'aria-labelledby="{section}">(.*?)</section>', body, re.S)
        assert found, path
        rows = re.findall(r'<th scope="row" class="guichet-bars__label">([^<]+)</th>\s*'
                          r'<td class="guichet-bars__num">(\d+)</td>', found.group(1))
        assert rows == [("E-mail", "3"), ("Telegram", "2"), ("Terminal", "1"), ("Page web des élus", "1")], rows
        assert "Demandes par canal de dépôt" in found.group(1)
        visible = re.sub(r"<[^>]+>", " ", found.group(1))
        assert not re.search(r"\b(email|console|telegram)\b", visible)  # codes never shown
