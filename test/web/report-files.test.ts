import { describe, expect, it } from "vitest";
import { fmtBytes } from "../../web/src/report/bytes.js";

describe("file sizes in the report", () => {
  it("says bytes in the user's language and unit", () => {
    expect(fmtBytes(null, "fr")).toBe("—");
    expect(fmtBytes(24, "fr")).toBe("24 o");
    expect(fmtBytes(24, "en")).toBe("24 B");
    expect(fmtBytes(55_800_000, "en")).toBe("53.2 MB");
    expect(fmtBytes(55_800_000, "fr")).toBe("53,2 Mo");
  });
});
