import { describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { prepareEmail, renderEmail, TemplateError, withoutTracking, type EmailMessage } from "../../src/channels/email/render.js";
import { formatAddress, senderDefaults } from "../../src/channels/email/render-sender.js";

const signer = new LinkSigner(Buffer.alloc(32, 3), "https://relais.example");
const key = { journey: 41, element: "a1", hop: 2 };

function contextFor(contact: Record<string, unknown>, promo: string | null = null) {
  return {
    contact: { id: String(contact.email ?? "x"), ...contact },
    trigger: { data: {} },
    promo: { code: promo },
    campaign: { name: "Hiver", id: "c-1" },
    run: { date: "2026-12-01" },
    unsubscribe_url: signer.url("unsubscribe", key),
    view_online_url: signer.url("view", key),
  };
}

const render = (message: EmailMessage, contact: Record<string, unknown>, promo: string | null = null, extra: Partial<Parameters<typeof renderEmail>[2]> = {}) =>
  renderEmail(message, contextFor(contact, promo), { to: String(contact.email), links: signer, key, ...extra });

const PROMO_MJML = `<mjml>
  <mj-head><mj-title>{{ campaign.name }}</mj-title></mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text font-size="18px">Bonjour {{ contact.firstName | default: "l'ami" }} !</mj-text>
        <mj-button href="https://shop.example/produits?ref={{ contact.id }}&amp;lang=fr">Voir les produits</mj-button>
      </mj-column>
    </mj-section>
    {% promo %}
    <mj-section>
      <mj-column>
        <mj-text>Votre code : <strong>{{ promo.code }}</strong></mj-text>
      </mj-column>
    </mj-section>
    {% endpromo %}
    <mj-section>
      <mj-column>
        <mj-text><a href="{{ unsubscribe_url }}">Se désabonner</a> · <a href="mailto:aide@shop.example">aide@shop.example</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

describe("email rendering", () => {
  it("renders a personalized MJML template with its promo block for a contact who holds a code", async () => {
    const email = await render({ subject: "{{ contact.firstName }}, votre code {{ promo.code }}", mjml: PROMO_MJML }, { email: "ann@example.com", firstName: "Ann" }, "HIVER-042");
    expect(email.subject).toBe("Ann, votre code HIVER-042");
    expect(email.html).toContain("Bonjour Ann !");
    expect(email.html).toContain("<strong>HIVER-042</strong>");
    expect(email.html).toContain("<title>Hiver</title>");
    expect(email.html).not.toMatch(/\{\{|\{%|__rlq/);
    expect(email.text).toContain("Votre code : HIVER-042");
  });

  it("keeps Liquid inside MJML attributes intact, quotes and operators included, even through CSS inlining", async () => {
    const mjml = `<mjml>
  <mj-head><mj-style inline="inline">p { color: #c00000; }</mj-style></mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-image src="{{ contact.photo | default: 'https://cdn.example/anonyme.png' }}" alt="{{ contact.firstName }}" />
        <mj-text><p>{% if contact.score > 50 %}Client fidèle, l'ami{% else %}Bienvenue{% endif %}</p></mj-text>
        <mj-button href="{{ contact.site | default: 'https://shop.example/?a=1&b=2' }}">Site</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
    const p = await prepareEmail({ subject: "x", mjml });
    expect(p.problems).toEqual([]);
    const high = await render({ subject: "x", mjml }, { email: "ann@example.com", firstName: "Ann", score: 80 });
    expect(high.html).toContain('src="https://cdn.example/anonyme.png"');
    expect(high.html).toContain('alt="Ann"');
    expect(high.html).toContain(`<p style="color: #c00000;">Client fidèle, l'ami</p>`);
    expect(high.html).not.toContain("Bienvenue");
    const click = /href="([^"]*\/t\/c\/[^"]*)"/.exec(high.html)![1];
    expect(new URL(click).searchParams.get("u")).toBe("https://shop.example/?a=1&b=2");
    const low = await render({ subject: "x", mjml }, { email: "bob@example.com", score: 10, site: "https://bob.example/", photo: "https://cdn.example/bob.png" });
    expect(low.html).toContain("Bienvenue");
    expect(low.html).toContain('src="https://cdn.example/bob.png"');
    expect(new URL(/href="([^"]*\/t\/c\/[^"]*)"/.exec(low.html)![1]).searchParams.get("u")).toBe("https://bob.example/");
  });

  it("leaves the promo block out entirely when the contact got no code", async () => {
    const email = await render({ subject: "Bonjour", mjml: PROMO_MJML }, { email: "bob@example.com" });
    expect(email.html).toContain("Bonjour l&#39;ami !");
    expect(email.html).not.toContain("Votre code");
    expect(email.text).not.toContain("Votre code");
    expect(email.text).toContain("Bonjour l'ami !");
  });

  it("rewrites web links to signed click redirects and leaves mailto and Relais's own links alone", async () => {
    const email = await render({ subject: "x", mjml: PROMO_MJML }, { email: "ann@example.com", firstName: "Ann" });
    const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).filter((h) => !h.includes("fonts.googleapis"));
    const click = hrefs.find((h) => h.includes("/t/c/"))!;
    const url = new URL(click.replace(/&amp;/g, "&"));
    const target = url.searchParams.get("u")!;
    expect(target).toBe("https://shop.example/produits?ref=ann@example.com&lang=fr");
    const token = url.pathname.split("/").pop()!;
    expect(signer.verify("click", token, target)).toEqual(key);
    expect(signer.verify("click", token, "https://evil.example/")).toBeUndefined();
    expect(hrefs).toContain("mailto:aide@shop.example");
    expect(hrefs).toContain(signer.url("unsubscribe", key));
    expect(hrefs.filter((h) => h.includes("/t/c/"))).toHaveLength(1);
  });

  it("tracks only web links: phone, anchors, relative and data-notrack links stay as written", async () => {
    const html = '<a href="tel:+15145550000">Appelez</a><a href="#haut">Haut</a><a href="/relatif">R</a>'
      + '<a data-notrack href="https://shop.example/brut">Brut</a><a href=\'https://shop.example/suivi\'>Suivi</a><a href="{{ contact.site }}">Site</a>';
    const withSite = await render({ subject: "x", html }, { email: "ann@example.com", site: "https://ann.example/" });
    const hrefs = [...withSite.html.matchAll(/href=["']([^"']*)["']/g)].map((m) => m[1]);
    expect(hrefs.slice(0, 4)).toEqual(["tel:+15145550000", "#haut", "/relatif", "https://shop.example/brut"]);
    expect(hrefs.slice(4).map((h) => new URL(h).searchParams.get("u"))).toEqual(["https://shop.example/suivi", "https://ann.example/"]);
    const noSite = await render({ subject: "x", html }, { email: "bob@example.com", site: "mailto:bob@example.com" });
    expect(noSite.html).toContain('<a href="mailto:bob@example.com">Site</a>');
  });

  it("adds the open pixel at the end of the body", async () => {
    const email = await render({ subject: "x", html: "<html><body><p>Salut</p></body></html>" }, { email: "ann@example.com" });
    expect(email.html).toBe(`<html><body><p>Salut</p><img src="${signer.url("open", key)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px;" /></body></html>`);
  });

  it("inserts a hidden, personalized preheader at the top of the body", async () => {
    const email = await render({ subject: "x", preheader: "Pour vous, {{ contact.firstName }}", html: '<body style="margin:0"><p>Corps</p></body>' }, { email: "ann@example.com", firstName: "Ann" });
    expect(email.preheader).toBe("Pour vous, Ann");
    expect(email.html).toMatch(/^<body style="margin:0"><div style="display:none;[^"]*">Pour vous, Ann(&zwnj;&nbsp;)+<\/div><p>Corps<\/p>/);
    expect(email.text).toBe("Corps");
    const dollars = await render({ subject: "x", preheader: "Rabais de 10$' et $& de plus", html: "<body><p>Corps</p></body>" }, { email: "ann@example.com" });
    expect(dollars.html).toContain(">Rabais de 10$' et $&amp; de plus&zwnj;");
  });

  it("generates the text part from the HTML, links shown after their text, when the message has none", async () => {
    const email = await render({
      subject: "x",
      html: '<h1>Bonjour {{ contact.firstName }}</h1><p>Nos offres &amp; nouveautés</p><p><a href="https://shop.example/hiver">Voir</a></p><img src="https://cdn.example/logo.png" alt="logo">',
    }, { email: "ann@example.com", firstName: "Ann" });
    expect(email.text).toBe("Bonjour Ann\n\nNos offres & nouveautés\n\nVoir [https://shop.example/hiver]");
    const own = await render({ subject: "x", html: "<p>HTML</p>", text: "Texte pour {{ contact.firstName }}" }, { email: "ann@example.com", firstName: "Ann" });
    expect(own.text).toBe("Texte pour Ann");
  });

  it("escapes a contact's data in the HTML body, so it can never inject markup or links", async () => {
    const email = await render({ subject: "Pour {{ contact.firstName }}", html: "<p>Bonjour {{ contact.firstName }}</p><p>{{ contact.bio | raw }}</p>" },
      { email: "eve@example.com", firstName: '<a href="https://evil.example">Gagnez</a>', bio: "<em>ok</em>" });
    expect(email.html).toContain("Bonjour &lt;a href=&#34;https://evil.example&#34;&gt;Gagnez&lt;/a&gt;");
    expect(email.html).not.toContain("evil.example/t/");
    expect(email.html).toContain("<em>ok</em>");
    expect(email.subject).toBe('Pour <a href="https://evil.example">Gagnez</a>');
  });

  it("uses the project's sender and reply-to when the message names none", async () => {
    const defaults = senderDefaults({ name: "Boutique Hiver, Québec", email: "bonjour@shop.example", replyTo: "aide@shop.example" });
    expect(defaults).toEqual({ from: '"Boutique Hiver, Québec" <bonjour@shop.example>', replyTo: "aide@shop.example" });
    const byDefault = await render({ subject: "x", html: "<p>x</p>" }, { email: "ann@example.com" }, null, { defaults });
    expect([byDefault.from, byDefault.replyTo]).toEqual(['"Boutique Hiver, Québec" <bonjour@shop.example>', "aide@shop.example"]);
    const own = await render({ subject: "x", html: "<p>x</p>", from: "Ventes <ventes@shop.example>" }, { email: "ann@example.com" }, null, { defaults });
    expect([own.from, own.replyTo]).toEqual(["Ventes <ventes@shop.example>", "aide@shop.example"]);
    expect(formatAddress(undefined, "a@b.example")).toBe("a@b.example");
    expect(formatAddress('Le "Club"', "a@b.example")).toBe('"Le \\"Club\\"" <a@b.example>');
  });

  it("reports bad Liquid with its field and line, and renders nothing", async () => {
    const p = await prepareEmail({ subject: "Bonjour", html: "<p>Bonjour</p>\n<p>{{ contact.firstName </p>\n<p>fin</p>" });
    expect(p.email).toBeUndefined();
    expect(p.problems).toEqual([expect.objectContaining({ kind: "liquid", field: "html", line: 2 })]);
    const bad = await prepareEmail({ subject: "x", mjml: PROMO_MJML.replace("{% endpromo %}", "") });
    expect(bad.email).toBeUndefined();
    expect(bad.problems[0]).toMatchObject({ kind: "liquid", field: "mjml", line: 10 });
    expect(bad.problems[0].message).toContain("not closed");
    await expect(render({ subject: "{% if %}", html: "x" }, { email: "a@b.example" })).rejects.toBeInstanceOf(TemplateError);
  });

  it("reports a bad MJML tag with its line, Liquid before it not shifting the count", async () => {
    const source = PROMO_MJML.replace("<mj-text font-size=\"18px\">Bonjour {{ contact.firstName | default: \"l'ami\" }} !</mj-text>",
      "<mj-text font-size=\"{{\n contact.size\n}}\">x</mj-text>").replace("<mj-button", "<mj-buton").replace("</mj-button>", "</mj-buton>");
    const p = await prepareEmail({ subject: "x", mjml: source });
    const line = source.split("\n").findIndex((l) => l.includes("<mj-buton")) + 1;
    expect(line).toBe(9);
    expect(p.problems).toContainEqual(expect.objectContaining({ kind: "mjml", field: "mjml", line, message: expect.stringContaining("mj-buton") }));
  });

  it("refuses to read files through Liquid includes", async () => {
    await expect(render({ subject: "x", html: "{% include 'package.json' %}" }, { email: "a@b.example" })).rejects.toThrow(/package\.json/);
  });

  it("throws a TemplateError for a contact whose data makes the template fail at run time", async () => {
    const message = { subject: "x", html: "<p>{% for i in (1..contact.n) %}x{% endfor %}</p>" };
    expect((await render(message, { email: "a@b.example", n: 3 })).html).toContain("<p>xxx</p>");
    await expect(render(message, { email: "b@b.example", n: 1e9 })).rejects.toBeInstanceOf(TemplateError);
  });

  it("shows a prepared email without its tracking for previews", async () => {
    const email = await render({ subject: "x", html: '<body><a href="https://shop.example/a?b=1&amp;c=2">a</a></body>' }, { email: "a@b.example" });
    expect(email.html).toContain("/t/c/");
    expect(withoutTracking(email.html, signer.baseUrl)).toBe('<body><a href="https://shop.example/a?b=1&amp;c=2">a</a></body>');
  });
});
