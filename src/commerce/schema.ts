/**
 * Product catalog, carts and orders per project (issue 7, e-commerce module). One definition for
 * both dialects. Prices are floating-point amounts in the product's currency (DOUBLE PRECISION on
 * PostgreSQL, REAL — 8 bytes — on SQLite); item lists are JSON text.
 */
export function commerceDdl(dialect: "sqlite" | "postgres"): string {
  const key = dialect === "postgres" ? 'TEXT COLLATE "C"' : "TEXT";
  const int = dialect === "postgres" ? "BIGINT" : "INTEGER";
  const money = dialect === "postgres" ? "DOUBLE PRECISION" : "REAL";
  return `
CREATE TABLE IF NOT EXISTS products (
  project_id ${key} NOT NULL,
  sku ${key} NOT NULL,
  name TEXT NOT NULL,
  price ${money},
  currency TEXT,
  category ${key},
  url TEXT,
  image TEXT,
  updated_at ${int} NOT NULL,
  PRIMARY KEY (project_id, sku)
);
CREATE INDEX IF NOT EXISTS products_category ON products (project_id, category, sku);
CREATE TABLE IF NOT EXISTS carts (
  project_id ${key} NOT NULL,
  contact_pk ${int} NOT NULL,
  items TEXT NOT NULL,
  total ${money} NOT NULL,
  updated_at ${int} NOT NULL,
  purchased_at ${int},
  PRIMARY KEY (project_id, contact_pk)
);
CREATE TABLE IF NOT EXISTS orders (
  project_id ${key} NOT NULL,
  order_id ${key} NOT NULL,
  contact_pk ${int} NOT NULL,
  items TEXT NOT NULL,
  total ${money},
  purchased_at ${int} NOT NULL,
  PRIMARY KEY (project_id, order_id)
);
CREATE INDEX IF NOT EXISTS orders_contact ON orders (project_id, contact_pk, purchased_at);
`;
}
