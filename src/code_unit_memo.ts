/**
 * A character class of BMP code units, remembered per unit: scanning text a code unit at a time
 * against it replaces a Unicode-mode regexp over the whole text (~10 ns a character on Node 20).
 * Pure (a cache).
 */

/** `test` of each BMP code unit, asked once per unit and remembered (for units outside the surrogates). */
export function codeUnitMemo(test: (ch: string) => boolean): (unit: number) => boolean {
  const known = new Uint8Array(0x10000); // 0 not yet asked, 1 yes, 2 no
  return (unit) => {
    let v = known[unit]!;
    if (v === 0) {
      v = test(String.fromCharCode(unit)) ? 1 : 2;
      known[unit] = v;
    }
    return v === 1;
  };
}
