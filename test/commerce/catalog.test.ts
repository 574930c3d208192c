import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

for (const { name } of SERVER_STORES) {
  describe(`product catalog (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp(modules: Record<string, boolean> = { ecommerce: true }) {
      s = await testServer(name);
      const p = await s.project({ id: "shop", modules });
      const url = `/api/v1/projects/${p.id}`;
      const call = (method: string, path: string, body?: unknown, auth: Record<string, string> = p.auth) => s.call(method, `${url}${path}`, auth, body);
      const csv = (text: string, query = "") =>
        s.app.inject({ method: "POST", url: `${url}/products/import${query}`, headers: { ...p.auth, "content-type": "text/csv" }, payload: text });
      return { ...p, url, call, csv };
    }

    it("creates, replaces, reads, lists and deletes products through the API", async () => {
      const p = await setUp();
      const created = await p.call("PUT", "/products/SH-01", { name: "Espadrilles été", price: 59.9, currency: "CAD", category: "shoes", url: "https://shop.example/sh-01", image: "https://shop.example/sh-01.jpg" });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ created: true, product: { sku: "SH-01", name: "Espadrilles été", price: 59.9, currency: "CAD", category: "shoes" } });
      const replaced = await p.call("PUT", "/products/SH-01", { name: "Espadrilles", price: 49.9, category: "shoes" });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json().product).toMatchObject({ name: "Espadrilles", price: 49.9, currency: null, url: null, image: null });
      await p.call("PUT", "/products/HT-01", { name: "Chapeau de paille", price: 25, category: "hats" });
      await p.call("PUT", "/products/SH-02", { name: "Bottes de pluie", price: 89, category: "shoes" });

      expect((await p.call("GET", "/products/SH-01")).json().name).toBe("Espadrilles");
      const shoes = (await p.call("GET", "/products?category=shoes")).json();
      expect(shoes.products.map((x: { sku: string }) => x.sku)).toEqual(["SH-01", "SH-02"]);
      expect((await p.call("GET", "/products?q=paille")).json().products.map((x: { sku: string }) => x.sku)).toEqual(["HT-01"]);
      expect((await p.call("GET", "/products?q=SH-")).json().products.map((x: { sku: string }) => x.sku)).toEqual(["SH-01", "SH-02"]);
      // Wildcards typed by a user are plain characters.
      expect((await p.call("GET", "/products?q=%25")).json().products).toEqual([]);
      expect((await p.call("GET", "/products?q=S_")).json().products).toEqual([]);
      // Paging: SKU order, a cursor to the next page, null at the end.
      const first = (await p.call("GET", "/products?limit=2")).json();
      expect(first.products.map((x: { sku: string }) => x.sku)).toEqual(["HT-01", "SH-01"]);
      const second = (await p.call("GET", `/products?limit=2&cursor=${first.next}`)).json();
      expect(second).toMatchObject({ products: [{ sku: "SH-02" }], next: null });
      const badCursor = await p.call("GET", "/products?cursor=nope!");
      expect(badCursor.statusCode).toBe(400);

      expect((await p.call("DELETE", "/products/HT-01")).statusCode).toBe(200);
      expect((await p.call("GET", "/products/HT-01")).statusCode).toBe(404);
      expect((await p.call("DELETE", "/products/HT-01")).statusCode).toBe(404);
    });

    it("refuses a bad product with a problem naming the field, and writes nothing", async () => {
      const p = await setUp();
      const res = await p.call("PUT", "/products/SH-01", { name: "Espadrilles", price: -3, url: "javascript:alert(1)" });
      expect(res.statusCode).toBe(400);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(["body.price", "body.url"]));
      expect((await p.call("GET", "/products")).json().products).toEqual([]);
    });

    it("imports a catalog file, semicolons and decimal commas included, and updates products already there", async () => {
      const p = await setUp();
      await p.call("PUT", "/products/SH-01", { name: "Ancien nom", price: 10 });
      const res = await p.csv("SKU;Name;Price;Currency;Category;URL;Image\nSH-01;Espadrilles;59,90;cad;shoes;https://shop.example/sh-01;\n\nHT-01;\"Chapeau; paille\";25;CAD;hats;;https://shop.example/ht.jpg\n");
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ rows: 2, created: 1, updated: 1 });
      expect((await p.call("GET", "/products/SH-01")).json()).toMatchObject({ name: "Espadrilles", price: 59.9, currency: "CAD", category: "shoes", image: null });
      expect((await p.call("GET", "/products/HT-01")).json()).toMatchObject({ name: "Chapeau; paille", price: 25, url: null, image: "https://shop.example/ht.jpg" });
    });

    it("refuses a file with a bad row, naming the row, the line and the column, and imports nothing of it", async () => {
      const p = await setUp();
      const res = await p.csv("sku,name,price,category\nSH-01,Espadrilles,59.90,shoes\nSH-02,Bottes,gratuit,shoes\nSH-01,Doublon,10,shoes\nSH-03,,12,shoes\n");
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.code).toBe("invalid_csv");
      expect(body.detail).toContain("row 2, line 3, column price");
      expect(body.rejections).toEqual([
        { row: 2, line: 3, column: "price", reason: '"gratuit" is not a price (write e.g. 19.99 or 19,99)' },
        { row: 3, line: 4, column: "sku", reason: "the SKU SH-01 is already on row 1" },
        { row: 4, line: 5, column: "name", reason: "the name is empty" },
      ]);
      expect(body.errors[0]).toEqual({ path: "row 2 (line 3), column price", message: '"gratuit" is not a price (write e.g. 19.99 or 19,99)' });
      expect((await p.call("GET", "/products")).json().products).toEqual([]);
    });

    it("refuses a header without a required column or with an unknown one", async () => {
      const p = await setUp();
      const res = await p.csv("sku,title,price\nSH-01,Espadrilles,59.90\n");
      expect(res.statusCode).toBe(400);
      expect(res.json().rejections).toEqual([
        { row: 0, line: 1, column: "title", reason: 'unknown column "title": the columns are sku, name, price, currency, category, url, image' },
        { row: 0, line: 1, column: "name", reason: "the column name is missing (required: sku, name, price)" },
      ]);
      const latin = await s.app.inject({
        method: "POST", url: `${p.url}/products/import`, headers: { ...p.auth, "content-type": "text/csv" }, payload: Buffer.from("sku,name,price\nA,\xe9t\xe9,1\n", "latin1"),
      });
      expect(latin.statusCode).toBe(400);
      expect(latin.json().code).toBe("invalid_encoding");
      const ok = await s.app.inject({
        method: "POST", url: `${p.url}/products/import?encoding=windows-1252`, headers: { ...p.auth, "content-type": "text/csv" }, payload: Buffer.from("sku,name,price\nA,\xe9t\xe9,1\n", "latin1"),
      });
      expect(ok.json()).toEqual({ rows: 1, created: 1, updated: 0 });
      expect((await p.call("GET", "/products/A")).json().name).toBe("été");
    });

    it("answers 409 module_disabled while the project's e-commerce module is off, and a viewer may read but not write", async () => {
      const p = await setUp({});
      const res = await p.call("GET", "/products");
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe("module_disabled");
      await s.call("PATCH", `/api/v1/projects/${p.id}`, { cookie: s.adminCookie }, { modules: { ecommerce: true } });
      expect((await p.call("GET", "/products")).statusCode).toBe(200);
      const v = await s.call("POST", `${p.url}/api-keys`, p.auth, { name: "viewer", role: "viewer" });
      const viewer = { authorization: `Bearer ${v.json().key}` };
      expect((await p.call("PUT", "/products/SH-01", { name: "X", price: 1 }, viewer)).statusCode).toBe(403);
      expect((await p.call("GET", "/products", undefined, viewer)).statusCode).toBe(200);
    });
  });
}
