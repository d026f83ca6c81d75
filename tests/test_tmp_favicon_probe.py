import sys
from tests.test_browser_widget import new_page, workspace  # noqa: F401


def test_probe(browser, site, workspace):  # noqa: F811
    key = workspace.widget_publication.public_key
    context, page, errors = new_page(browser)
    r = page.goto(f"http://localhost:{site}/w/{key}/demo")
    sys.stderr.write(f"HEADERS {r.all_headers()}\n")
    sys.stderr.write(f"HTML {page.content()[:600]}\n")
    page.wait_for_timeout(1500)
    sys.stderr.write(f"AFTER LOAD {errors}\n")
