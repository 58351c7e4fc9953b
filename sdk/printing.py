"""Print forms: documents rendered from Jinja templates as HTML (with print CSS) and PDF
— an order confirmation, an invoice, a delivery note.

A plugin contributes forms through the hook ``print_forms(registry)``; each names its
document type, its template (a path inside the plugin's templates folder, so a site can
override it by putting a file of the same path into its own templates folder) and a
context function ``(session, document) -> dict``::

    from ordercraft.sdk.printing import PrintForm, render_html, render_pdf

    @hookimpl
    def print_forms(registry):
        registry.add(PrintForm("invoice", "standard", "Invoice", "billing/invoice.html",
                               folder=str(HERE / "print_templates"), context=invoice_context))

    html = render_html(session, "invoice", "standard", invoice)   # the page, with its CSS
    pdf = render_pdf(html)                                        # bytes (WeasyPrint)

Templates may extend the shared layout ``"print/base.html"``, run in Jinja's sandbox and
get the filters ``money``, ``qty``, ``percent`` and ``day`` (the functions of the same
names here), ``company`` (the site's letterhead) and ``printed_at``. ``forms_of`` lists
the forms of a document type (for print links); ``site_templates_dir`` /
``set_site_templates_dir`` read and set the site's own templates folder (site setting
``print_templates_dir``, else ``ORDERCRAFT_TEMPLATES_DIR``), ``template_source`` says which
file a form is rendered from on the site.
"""

from ordercraft.core.printing import (
                                      PrintForm,
                                      PrintFormRegistry,
                                      day,
                                      forms_of,
                                      money,
                                      percent,
                                      qty,
                                      render_html,
                                      render_pdf,
                                      set_site_templates_dir,
                                      site_templates_dir,
                                      template_source,
)

__all__ = ["PrintForm", "PrintFormRegistry", "day", "forms_of", "money", "percent", "qty",
           "render_html", "render_pdf", "set_site_templates_dir", "site_templates_dir",
           "template_source"]
