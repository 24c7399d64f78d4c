/**
 * The data-flow memory's table (data_flow.ts): fingerprint -> the chats it was shown from, in the
 * order of last remembering, oldest first. What a `Map` with delete-then-set does, in typed
 * arrays: an open-addressing hash of the fingerprints (linear probing, deletion by backward shift,
 * no tombstones) and a doubly linked list of the entries for the order. A read tool's answer
 * remembers 10-30 fingerprints per message (~1,000 for a page of 20 hits with their context):
 * as `Map` keys these 53-bit numbers are heap numbers, and the lookups, deletes and inserts cost
 * ~0.1-0.4 ms per call at 1M messages (server-side, over stdio); here each is a probe in a flat
 * array. Pure (the slots depend on a per-process seed, see SEED_LO; the order and values do not).
 */

/** Slots per entry at most (load factor 1/2). */
const MIN_SLOTS = 64;

const TWO_32 = 2 ** 32;

/** Fingerprint -> chats, oldest remembered first (see the module doc). */
export class PrintTable<V> {
  #slots = new Int32Array(MIN_SLOTS); // entry + 1, 0: empty
  #mask = MIN_SLOTS - 1;
  #keys = new Float64Array(MIN_SLOTS / 2);
  #hashes = new Int32Array(MIN_SLOTS / 2); // each entry's home slot, before masking
  #prev = new Int32Array(MIN_SLOTS / 2); // -1: none
  #next = new Int32Array(MIN_SLOTS / 2);
  #values: Array<V | undefined> = [];
  #free: number[] = []; // entries to reuse
  #used = 0; // entries ever handed out (the rest of the arrays is unused)
  #head = -1; // the oldest
  #tail = -1; // the newest
  #size = 0;

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** The chats of fingerprint `key`, or undefined. */
  get(key: number): V | undefined {
    const e = this.#find(key);
    return e < 0 ? undefined : this.#values[e];
  }

  /** True if `key` is held. */
  has(key: number): boolean {
    return this.#find(key) >= 0;
  }

  /** Sets `key`'s value and makes it the newest entry (a Map's delete, then set). */
  touch(key: number, value: V): void {
    const h = hashOf(key);
    let s = h & this.#mask;
    for (;;) {
      const at = this.#slots[s]!;
      if (at === 0) break;
      const e = at - 1;
      if (this.#keys[e] === key) {
        this.#values[e] = value;
        if (e !== this.#tail) {
          this.#unlink(e);
          this.#append(e);
        }
        return;
      }
      s = (s + 1) & this.#mask;
    }
    if (2 * (this.#size + 1) > this.#slots.length) {
      this.#grow();
      s = h & this.#mask;
      while (this.#slots[s] !== 0) s = (s + 1) & this.#mask;
    }
    const e = this.#free.length > 0 ? this.#free.pop()! : this.#used++;
    this.#keys[e] = key;
    this.#hashes[e] = h;
    this.#values[e] = value;
    this.#slots[s] = e + 1;
    this.#append(e);
    this.#size++;
  }

  /** Removes `key`; true if it was held. */
  delete(key: number): boolean {
    let s = hashOf(key) & this.#mask;
    for (;;) {
      const at = this.#slots[s]!;
      if (at === 0) return false;
      if (this.#keys[at - 1] === key) break;
      s = (s + 1) & this.#mask;
    }
    this.#remove(s);
    return true;
  }

  /** Removes the oldest entry (none if empty). */
  dropOldest(): void {
    const e = this.#head;
    if (e < 0) return;
    let s = this.#hashes[e]! & this.#mask;
    while (this.#slots[s] !== e + 1) s = (s + 1) & this.#mask;
    this.#remove(s);
  }

  /** The fingerprints, oldest first (not to be used while the table changes). */
  *keys(): IterableIterator<number> {
    for (let e = this.#head; e >= 0; e = this.#next[e]!) yield this.#keys[e]!;
  }

  /** Empties the table. */
  clear(): void {
    this.#slots = new Int32Array(MIN_SLOTS);
    this.#mask = MIN_SLOTS - 1;
    this.#keys = new Float64Array(MIN_SLOTS / 2);
    this.#hashes = new Int32Array(MIN_SLOTS / 2);
    this.#prev = new Int32Array(MIN_SLOTS / 2);
    this.#next = new Int32Array(MIN_SLOTS / 2);
    this.#values = [];
    this.#free = [];
    this.#used = 0;
    this.#head = this.#tail = -1;
    this.#size = 0;
  }

  #find(key: number): number {
    let s = hashOf(key) & this.#mask;
    for (;;) {
      const at = this.#slots[s]!;
      if (at === 0) return -1;
      if (this.#keys[at - 1] === key) return at - 1;
      s = (s + 1) & this.#mask;
    }
  }

  /** Removes the entry in slot `s`: out of the list, and the slots after it shifted back over it. */
  #remove(s: number): void {
    const e = this.#slots[s]! - 1;
    this.#unlink(e);
    this.#values[e] = undefined;
    this.#free.push(e);
    this.#size--;
    const mask = this.#mask;
    let hole = s;
    for (let j = (s + 1) & mask;; j = (j + 1) & mask) {
      const at = this.#slots[j]!;
      if (at === 0) break;
      const home = this.#hashes[at - 1]! & mask;
      // The entry at j may move back to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.#slots[hole] = at;
      hole = j;
    }
    this.#slots[hole] = 0;
  }

  #unlink(e: number): void {
    const p = this.#prev[e]!;
    const n = this.#next[e]!;
    if (p >= 0) this.#next[p] = n;
    else this.#head = n;
    if (n >= 0) this.#prev[n] = p;
    else this.#tail = p;
  }

  #append(e: number): void {
    this.#prev[e] = this.#tail;
    this.#next[e] = -1;
    if (this.#tail >= 0) this.#next[this.#tail] = e;
    else this.#head = e;
    this.#tail = e;
  }

  /** Twice the slots and entries; every entry keeps its index (the list is unchanged). */
  #grow(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let e = this.#head; e >= 0; e = this.#next[e]!) {
      let s = this.#hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
    const n = slots.length / 2;
    this.#keys = grown(this.#keys, new Float64Array(n));
    this.#hashes = grown(this.#hashes, new Int32Array(n));
    this.#prev = grown(this.#prev, new Int32Array(n));
    this.#next = grown(this.#next, new Int32Array(n));
  }
}

function grown<T extends Float64Array | Int32Array>(old: T, into: T): T {
  into.set(old as never);
  return into;
}

/**
 * Per-process seeds of the slot hash: fingerprints come from text other people write, and
 * without a secret seed texts could be made whose fingerprints share their slots (linear probing
 * would then walk long runs on every call). Nothing observable depends on the slots.
 */
const SEED_LO = (Math.random() * TWO_32) | 0;
const SEED_HI = (Math.random() * TWO_32) | 0;

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A fingerprint's slot hash (fingerprints are non-negative integers < 2^53): both halves, seeded. */
function hashOf(key: number): number {
  const lo = key >>> 0; // ToUint32: key mod 2^32
  const hi = (key / TWO_32) | 0;
  return fmix(((lo ^ SEED_LO) + Math.imul(fmix(hi ^ SEED_HI), 0x9e3779b1)) | 0);
}
