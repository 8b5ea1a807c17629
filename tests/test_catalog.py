"""`segql docs`: the static HTML catalog — a page per segment, links that resolve, the SQL `segql compile`
prints, everything escaped, byte-identical runs, nothing written for a project with errors, no customer data."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import duckdb
import pytest

from segql import api
from tests.cli import invoke
from tests.conftest import RETAIL_SEGMENTS

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
ACME = Path(__file__).parent / "fixtures" / "acme"
AS_OF = "2026-06-30"
DIALECTS = ("duckdb", "postgres", "snowflake")


def copy_project(source: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for item in ("segql.yml", "schema.yml", "segments", "tests"):
        if (source / item).exists():
            (shutil.copytree if (source / item).is_dir() else shutil.copy)(source / item, into / item)
    return into


def read_site(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Page(HTMLParser):
    """What the tests need of a page: its tags, ids, links, <pre> texts by id, and its text (unescaped)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.pres: dict[str, str] = {}
        self.texts: list[str] = []
        self._pre: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        for name in ("href", "src"):
            if found.get(name) is not None:
                self.links.append(found[name] or "")
        if tag == "pre":
            self._pre = found.get("id") or ""
            self.pres[self._pre] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre = None

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._pre is not None:
            self.pres[self._pre] += data

    @property
    def text(self) -> str:
        return "".join(self.texts)


def parse_site(folder: Path) -> dict[str, Page]:
    return {path: Page(data.decode("utf-8")) for path, data in read_site(folder).items() if path.endswith(".html")}


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The retail example with its demo database, and its catalog in site/ (the default), as of AS_OF."""
    root = copy_project(RETAIL, tmp_path_factory.mktemp("retail"))
    subprocess.run([sys.executable, str(RETAIL / "generate_data.py"), "--out", str(root / "data" / "retail.duckdb")],
                   check=True, capture_output=True)
    code, out, err = invoke("docs", "--project", str(root), "--as-of", AS_OF)
    assert code == 0, err
    assert out == ""
    assert f"{RETAIL_SEGMENTS + 2} pages" in err
    return root


@pytest.fixture(scope="module")
def pages(retail: Path) -> dict[str, Page]:
    return parse_site(retail / "site")


def test_every_segment_has_a_page_listed_in_the_index(retail: Path, pages: dict[str, Page]) -> None:
    names = sorted(api.open_workspace(retail).result.segments)
    assert len(names) == RETAIL_SEGMENTS
    assert sorted(pages) == ["index.html", "schema.html", *(f"segments/{n}.html" for n in names)]
    assert sorted({link for link in pages["index.html"].links if link.startswith("segments/")}) == [
        f"segments/{n}.html" for n in names]
    for name in names:
        page = pages[f"segments/{name}.html"]
        assert {"condition", "sql-duckdb", "sql-postgres", "sql-snowflake"} <= set(page.pres)


def test_links_resolve_to_pages_and_anchors(pages: dict[str, Page]) -> None:
    checked = 0
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{path} links outside the site: {link}"
            target = str(PurePosixPath(path).parent / parts.path) if parts.path else path
            target = re.sub(r"[^/]+/\.\./", "", target).removeprefix("./")
            assert target in pages, f"{path} links to a missing page: {link}"
            if parts.fragment:
                assert parts.fragment in pages[target].ids, f"{path} links to a missing anchor: {link}"
            checked += 1
    assert checked > 500


def test_no_javascript_and_self_contained(pages: dict[str, Page]) -> None:
    for path, page in pages.items():
        assert "script" not in page.tags, path
        assert "link" not in page.tags and "img" not in page.tags, path  # no stylesheet or image to fetch
        assert page.tags.count("style") == 1, path


def test_references_both_ways(pages: dict[str, Page]) -> None:
    vip_healthy = pages["segments/vip_healthy.html"].links
    assert {"vip.html", "churn_risk.html", "support_unhappy.html"} <= set(vip_healthy)
    assert "test_accounts.html" in vip_healthy  # through vip
    vip = pages["segments/vip.html"]
    assert "vip_healthy.html" in vip.links and "test_accounts.html" in vip.links
    assert "../schema.html#trait-paid_orders" in vip.links and "../schema.html#event-orders-status" in vip.links
    churn = pages["segments/churn_risk.html"].links
    assert "../schema.html#event-web_sessions" in churn and "../schema.html#trait-is_engaged" in churn


def test_pii_attributes_are_named_and_marked(pages: dict[str, Page]) -> None:
    schema = pages["schema.html"]
    assert {"attr-email", "attr-first_name", "event-orders", "lookup-address", "trait-spend_365",
            "channel-email"} <= schema.ids
    assert "email PII" in schema.text and "first_name PII" in schema.text and "country PII" not in schema.text
    incomplete = pages["segments/incomplete_profiles.html"]
    assert "../schema.html#attr-email" in incomplete.links and "email PII" in incomplete.text


def test_condition_is_the_source_text(pages: dict[str, Page]) -> None:
    new = pages["segments/new_customers.html"].pres["condition"]
    assert new == (RETAIL / "segments" / "new_customers.yml").read_text().split("where: |\n")[1].replace(
        "\n  ", "\n").strip()
    assert "# sign-ups after the as-of date are not new yet" in new  # comments kept
    assert pages["segments/vip.html"].pres["condition"].startswith("all:\n  - paid_orders >= 5\n  - any:\n")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_is_what_compile_prints(retail: Path, pages: dict[str, Page], dialect: str, tmp_path: Path) -> None:
    names = sorted(api.open_workspace(retail).result.segments)
    code, _, err = invoke("compile", *names, "--project", str(retail), "--dialect", dialect, "--as-of", AS_OF,
                          "--out", str(tmp_path))
    assert code == 0, err
    for name in names:
        assert pages[f"segments/{name}.html"].pres[f"sql-{dialect}"] + "\n" == (tmp_path / f"{name}.sql").read_text()
    code, printed, _ = invoke("compile", "vip", "--project", str(retail), "--dialect", dialect, "--as-of", AS_OF)
    assert pages["segments/vip.html"].pres[f"sql-{dialect}"] + "\n" == printed


def test_without_as_of_the_sql_is_not_pinned(retail: Path, tmp_path: Path) -> None:
    code, _, err = invoke("docs", "--project", str(retail), "--out", str(tmp_path / "site"))
    assert code == 0, err
    page = parse_site(tmp_path / "site")["segments/new_customers.html"]
    assert "without a pinned as-of date" in page.text
    for dialect in DIALECTS:
        _, printed, _ = invoke("compile", "new_customers", "--project", str(retail), "--dialect", dialect)
        assert page.pres[f"sql-{dialect}"] + "\n" == printed


def test_dialect_option_limits_the_sql(retail: Path, tmp_path: Path) -> None:
    code, _, err = invoke("docs", "--project", str(retail), "--out", str(tmp_path), "--dialect", "postgres")
    assert code == 0, err
    page = parse_site(tmp_path)["segments/vip.html"]
    assert [k for k in page.pres if k.startswith("sql-")] == ["sql-postgres"]


def test_runs_are_byte_identical(retail: Path, tmp_path: Path) -> None:
    for out in ("one", "two"):
        code, _, err = invoke("docs", "--project", str(retail), "--as-of", AS_OF, "--out", str(tmp_path / out))
        assert code == 0, err
    assert read_site(tmp_path / "one") == read_site(tmp_path / "two") == read_site(retail / "site")
    code, _, err = invoke("docs", "--project", str(retail), "--as-of", AS_OF, "--out", str(tmp_path / "one"))
    assert code == 0 and "0 changed" in err


def test_no_customer_data(retail: Path, tmp_path: Path) -> None:
    """The catalog never reads the database: without it the site is the same; no value of the data appears."""
    bare = copy_project(retail, tmp_path / "bare")
    assert not (bare / "data").exists()
    code, _, err = invoke("docs", "--project", str(bare), "--as-of", AS_OF)
    assert code == 0, err
    assert read_site(bare / "site") == read_site(retail / "site")
    con = duckdb.connect(str(retail / "data" / "retail.duckdb"), read_only=True)
    try:
        emails = {r[0] for r in con.execute("SELECT email FROM crm.customers WHERE email IS NOT NULL").fetchall()}
        postal = {r[0] for r in con.execute("SELECT postal_code FROM crm.addresses WHERE postal_code LIKE '% %'")
                  .fetchall()}
        codes = {r[0] for r in con.execute("SELECT DISTINCT discount_code FROM sales.orders "
                                           "WHERE discount_code IS NOT NULL").fetchall()}
        campaigns = {r[0] for r in con.execute("SELECT DISTINCT campaign FROM marketing.email_events").fetchall()}
    finally:
        con.close()
    assert len(emails) > 1000 and postal and codes and campaigns
    text = "\n".join(data.decode() for data in read_site(retail / "site").values())
    assert not set(re.findall(r"[\w.+%-]+@[\w.-]+", text)) & emails
    assert not {v for v in postal | codes | campaigns if v in text}


def test_everything_is_escaped(tmp_path: Path) -> None:
    root = copy_project(RETAIL, tmp_path / "evil")
    (root / "segments" / "evil.yml").write_text(
        "name: evil\n"
        "description: '<script>alert(\"x\")</script> & more'\n"
        "owner: '<b>team</b>'\n"
        "tags: ['<i>t</i>', 'a b']\n"
        "params:\n"
        "  label: {type: string, default: '</code></pre><script>', description: '<img src=x onerror=alert(1)>'}\n"
        "where: |\n"
        '  address.city != $label  # <script>bad()</script>\n'
        '  and address.state != "</pre><script>x</script>"\n', encoding="utf-8")
    code, _, err = invoke("docs", "--project", str(root), "--as-of", AS_OF)
    assert code == 0, err
    pages = parse_site(root / "site")
    for path, page in pages.items():
        assert not {"script", "img", "b", "i"} & set(page.tags), path
    evil = pages["segments/evil.html"]
    assert '<script>alert("x")</script> & more' in evil.text
    assert "<img src=x onerror=alert(1)>" in evil.text and "</code></pre><script>" in evil.text
    assert evil.pres["condition"] == ('address.city != $label  # <script>bad()</script>\n'
                                      'and address.state != "</pre><script>x</script>"')
    assert "'</pre><script>x</script>'" in evil.pres["sql-duckdb"]
    index = pages["index.html"]
    assert "<b>team</b>" in index.text and "#tag-a.20.b" in index.links and "tag-a.20.b" in index.ids


def test_a_segment_without_sql_says_why(tmp_path: Path) -> None:
    root = copy_project(RETAIL, tmp_path / "retail")
    (root / "segments" / "by_country.yml").write_text(
        "params:\n  where_to: {type: string}\nwhere: country = $where_to\n", encoding="utf-8")
    code, _, err = invoke("docs", "--project", str(root))
    assert code == 0, err
    assert "note: no duckdb SQL for `by_country`" in err
    page = parse_site(root / "site")["segments/by_country.html"]
    assert not any(k.startswith("sql-") for k in page.pres) and {"sql-duckdb", "sql-snowflake"} <= page.ids
    assert "No SQL: parameter `$where_to` has no value" in page.text


def test_a_project_with_errors_writes_nothing(tmp_path: Path) -> None:
    root = copy_project(ACME, tmp_path / "acme")
    (root / "segments" / "broken.yml").write_text("name: broken\nwhere: lifetime_vlue > 1000\n", encoding="utf-8")
    code, out, err = invoke("docs", "--project", str(root), "--out", str(tmp_path / "site"))
    assert code == 1
    assert "E201" in err and "lifetime_vlue" in err and "segments/broken.yml" in err
    assert not (tmp_path / "site").exists() and not (root / "site").exists()


def test_a_removed_segment_loses_its_page_and_other_files_stay(tmp_path: Path) -> None:
    root = copy_project(RETAIL, tmp_path / "retail")
    assert invoke("docs", "--project", str(root))[0] == 0
    (root / "site" / "segments" / "notes.html").write_text("<p>mine</p>", encoding="utf-8")
    (root / "segments" / "winter_lapsed.yml").unlink()
    assert invoke("docs", "--project", str(root))[0] == 0
    assert not (root / "site" / "segments" / "winter_lapsed.html").exists()
    assert (root / "site" / "segments" / "notes.html").read_text() == "<p>mine</p>"


def test_the_project_folder_itself_is_refused(tmp_path: Path) -> None:
    root = copy_project(RETAIL, tmp_path / "retail")
    code, _, err = invoke("docs", "--project", str(root), "--out", str(root))
    assert code == 2 and "--out" in err
    assert not (root / "index.html").exists()


def test_acme_segments_lists_and_trees(tmp_path: Path) -> None:
    """The acme fixture has files with a `segments:` list and every construct: each gets its page and links."""
    code, _, err = invoke("docs", "--project", str(ACME), "--out", str(tmp_path), "--as-of", AS_OF)
    assert code == 0, err
    pages = parse_site(tmp_path)
    names = sorted(api.open_workspace(ACME).result.segments)
    assert sorted(p for p in pages if p.startswith("segments/")) == [f"segments/{n}.html" for n in names]
    for name in names:
        assert pages[f"segments/{name}.html"].pres["condition"].strip(), name
