/**
 * The user's search language, translated for both backends. Never throws and never yields
 * a syntax error, whatever the input.
 *
 * Language (web-search-like): words are ANDed; `"a phrase"`; `word*` prefix; `OR` or `|`
 * between alternatives; `AND` optional; `NOT word` or `-word` excludes; parentheses group.
 * Operators are recognised in capitals only, so the words "or"/"not" are searchable.
 * Unbalanced quotes and parentheses are closed at the end; stray operators are ignored.
 * Words are folded and tokenized like indexed text (`tokenize`), so case and accents never
 * matter, and a word that tokenizes into several tokens ("e-mail", "東京") is a phrase.
 *
 * Output: an FTS4 MATCH expression (every term a quoted phrase, so no FTS keyword or syntax
 * character can leak in) and an equivalent PostgreSQL tsquery literal.
 * FTS4 has no unary NOT: a query that is only exclusions ("-spam") becomes an "exclude"
 * plan (everything except the matches); an excluded alternative inside OR (`a OR -b`) is
 * dropped, on both backends alike.
 */
import { quoteLexeme, tokenize } from "./text.ts";

/** A parsed query. */
export type QueryNode =
  | { t: "term"; tokens: string[]; prefix: boolean }
  | { t: "and"; children: QueryNode[] }
  | { t: "or"; children: QueryNode[] }
  | { t: "not"; child: QueryNode };

/** What to run for a query. */
export type SearchPlan =
  /** Nothing searchable in the input (only punctuation, emoji...): matches no message. */
  | { kind: "none" }
  /** Messages matching the expression. */
  | { kind: "match"; fts: string; tsquery: string }
  /** Every message except those matching the expression. */
  | { kind: "exclude"; fts: string; tsquery: string };

/** Most terms kept from one query (FTS4 limits expression depth; nobody types more). */
export const MAX_TERMS = 32;
/** Deepest parenthesis nesting honoured; deeper parentheses are ignored. */
export const MAX_DEPTH = 4;

type Tok =
  | { k: "word"; text: string; prefix: boolean }
  | { k: "phrase"; text: string; prefix: boolean }
  | { k: "lp" }
  | { k: "rp" }
  | { k: "or" }
  | { k: "and" }
  | { k: "not" };

function lex(input: string): Tok[] {
  const out: Tok[] = [];
  const s = input;
  let i = 0;
  const isSpace = (c: string) => /\s/u.test(c);
  while (i < s.length) {
    const c = s[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      const text = end < 0 ? s.slice(i + 1) : s.slice(i + 1, end);
      i = end < 0 ? s.length : end + 1;
      let prefix = false;
      while (s[i] === "*") {
        prefix = true;
        i++;
      }
      out.push({ k: "phrase", text, prefix });
      continue;
    }
    if (c === "(") {
      out.push({ k: "lp" });
      i++;
      continue;
    }
    if (c === ")") {
      out.push({ k: "rp" });
      i++;
      continue;
    }
    if (c === "|") {
      out.push({ k: "or" });
      i++;
      continue;
    }
    if (c === "-" && i + 1 < s.length && !isSpace(s[i + 1]!) && s[i + 1] !== "-") {
      // "-word" excludes only at the start of a word ("e-mail" is one word).
      out.push({ k: "not" });
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && !isSpace(s[j]!) && s[j] !== '"' && s[j] !== "(" && s[j] !== ")") j++;
    const raw = s.slice(i, j);
    i = j;
    if (raw === "OR") out.push({ k: "or" });
    else if (raw === "AND") out.push({ k: "and" });
    else if (raw === "NOT") out.push({ k: "not" });
    else {
      const prefix = /\*$/.test(raw);
      out.push({ k: "word", text: raw.replace(/\*+$/, ""), prefix });
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private terms = 0;
  constructor(private readonly toks: Tok[]) {}

  parseAll(): QueryNode | null {
    const parts: QueryNode[] = [];
    while (this.pos < this.toks.length) {
      const e = this.parseOr();
      if (e) parts.push(e);
      if (this.peek()?.k === "rp") this.pos++; // a stray ")" is ignored
    }
    return and(parts);
  }

  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }

  private parseOr(): QueryNode | null {
    const alts: QueryNode[] = [];
    const first = this.parseAnd();
    if (first) alts.push(first);
    while (this.peek()?.k === "or") {
      this.pos++;
      const next = this.parseAnd();
      if (next) alts.push(next);
    }
    return or(alts);
  }

  private parseAnd(): QueryNode | null {
    const items: QueryNode[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || t.k === "rp" || t.k === "or") break;
      if (t.k === "and") {
        this.pos++;
        continue;
      }
      const item = this.parseUnary();
      if (item) items.push(item);
    }
    return and(items);
  }

  private parseUnary(): QueryNode | null {
    const t = this.peek();
    if (t?.k === "not") {
      this.pos++;
      const next = this.peek();
      // "NOT" before an operator or at the end negates nothing.
      if (!next || next.k === "rp" || next.k === "or" || next.k === "and") return null;
      const child = this.parseUnary();
      return child ? not(child) : null;
    }
    return this.parsePrimary();
  }

  private parsePrimary(): QueryNode | null {
    const t = this.toks[this.pos++];
    if (!t) return null;
    if (t.k === "lp") {
      if (this.depth >= MAX_DEPTH) return null; // too deep: the "(" is dropped, its content joins this level
      this.depth++;
      const e = this.parseOr();
      this.depth--;
      if (this.peek()?.k === "rp") this.pos++;
      return e;
    }
    if (t.k === "word" || t.k === "phrase") {
      const tokens = tokenize(t.text);
      if (tokens.length === 0 || this.terms >= MAX_TERMS) return null;
      this.terms++;
      return { t: "term", tokens, prefix: t.prefix };
    }
    return null; // operators in odd places
  }
}

function and(items: QueryNode[]): QueryNode | null {
  const flat = items.flatMap((n) => (n.t === "and" ? n.children : [n]));
  if (flat.length === 0) return null;
  return flat.length === 1 ? flat[0]! : { t: "and", children: flat };
}

function or(items: QueryNode[]): QueryNode | null {
  const flat = items.flatMap((n) => (n.t === "or" ? n.children : [n]));
  if (flat.length === 0) return null;
  return flat.length === 1 ? flat[0]! : { t: "or", children: flat };
}

function not(child: QueryNode): QueryNode {
  return child.t === "not" ? child.child : { t: "not", child };
}

/** Parses a user query; null when nothing searchable is left. */
export function parseSearchQuery(input: string): QueryNode | null {
  return new Parser(lex(input)).parseAll();
}

/**
 * Rewrites a tree into the positive form FTS4 can run: NOT only as "positives AND NOT
 * (alternatives)"; null for a node that is only exclusions (callers drop it, or at the top
 * level turn it into an exclude plan).
 */
function positive(node: QueryNode): QueryNode | null {
  switch (node.t) {
    case "term":
      return node;
    case "not":
      return null;
    case "or":
      return or(node.children.map(positive).filter((n): n is QueryNode => n !== null));
    case "and": {
      const pos = node.children.filter((c) => c.t !== "not").map(positive).filter((n): n is QueryNode => n !== null);
      const neg = node.children.filter((c): c is Extract<QueryNode, { t: "not" }> => c.t === "not")
        .map((c) => positive(c.child))
        .filter((n): n is QueryNode => n !== null);
      const p = and(pos);
      if (!p) return null;
      const n = or(neg);
      return n ? { t: "and", children: [...(p.t === "and" ? p.children : [p]), { t: "not", child: n }] } : p;
    }
  }
}

function ftsTerm(n: Extract<QueryNode, { t: "term" }>): string {
  // Tokens are letters/digits/marks only, so quoting cannot be broken out of.
  return `"${n.tokens.join(" ")}${n.prefix ? "*" : ""}"`;
}

/** FTS4 MATCH text of a positive tree (see `positive`). */
function toFts(node: QueryNode): string {
  switch (node.t) {
    case "term":
      return ftsTerm(node);
    case "or":
      return `(${node.children.map(toFts).join(" OR ")})`;
    case "not":
      return toFts(node.child); // only reached through "and" below
    case "and": {
      const pos = node.children.filter((c) => c.t !== "not");
      const neg = node.children.find((c) => c.t === "not") as Extract<QueryNode, { t: "not" }> | undefined;
      const p = pos.length === 1 ? toFts(pos[0]!) : `(${pos.map(toFts).join(" AND ")})`;
      return neg ? `(${p} NOT ${toFts(neg.child)})` : p;
    }
  }
}

/**
 * The terms of a positive tree that matchinfo() lists, in its order: FTS4 numbers a MATCH
 * expression's phrases left to right as `toFts` writes them, leaving out the right side of a NOT
 * (sqlite's fts3ExprIterate). The relevance order over a long queue (sqljs/fts_relevance.ts)
 * scores a row phrase by phrase as matchinfo lists them. In a matching row, FTS4 reports each such
 * phrase's hits as they are: its doclist iterator stands on the row (the AND chain of the match),
 * or FTS4 seeks it there (under an OR).
 */
export function ftsPhrases(node: QueryNode, out: Array<Extract<QueryNode, { t: "term" }>> = []): Array<Extract<QueryNode, { t: "term" }>> {
  switch (node.t) {
    case "term":
      out.push(node);
      break;
    case "or":
      for (const c of node.children) ftsPhrases(c, out);
      break;
    case "not":
      break; // the right side of a NOT: not listed
    case "and":
      for (const c of node.children) if (c.t !== "not") ftsPhrases(c, out);
      break;
  }
  return out;
}

/** The MATCH text of one term alone (as `toFts` writes it inside an expression). */
export function ftsTermText(term: Extract<QueryNode, { t: "term" }>): string {
  return ftsTerm(term);
}

function tsTerm(n: Extract<QueryNode, { t: "term" }>): string {
  const last = n.tokens.length - 1;
  const parts = n.tokens.map((tok, i) => quoteLexeme(tok) + (n.prefix && i === last ? ":*" : ""));
  return parts.length === 1 ? parts[0]! : `(${parts.join(" <-> ")})`;
}

/** PostgreSQL tsquery text of a positive tree. */
function toTsquery(node: QueryNode): string {
  switch (node.t) {
    case "term":
      return tsTerm(node);
    case "or":
      return `(${node.children.map(toTsquery).join(" | ")})`;
    case "not":
      return `!${toTsquery(node.child)}`;
    case "and":
      return `(${node.children.map(toTsquery).join(" & ")})`;
  }
}

/**
 * The tree a query runs as, in the positive form FTS4 can run (see `positive`): the messages
 * matching `node`, or with "exclude" every message except those. `planSearch` is this tree as
 * each backend's text; the sql.js store also evaluates it itself (search/match.ts).
 */
export type SearchTree = { kind: "none" } | { kind: "match" | "exclude"; node: QueryNode };

/** The tree a user query runs as (see `SearchTree`). */
export function searchTree(input: string): SearchTree {
  const tree = parseSearchQuery(input);
  if (!tree) return { kind: "none" };
  const pos = positive(tree);
  if (pos) return { kind: "match", node: pos };
  // Only exclusions at the top: "-a -b" or "NOT a" → everything except (a OR b).
  const negs = tree.t === "not"
    ? [tree.child]
    : tree.t === "and"
    ? tree.children.flatMap((c) => (c.t === "not" ? [c.child] : []))
    : [];
  const excluded = or(negs.map(positive).filter((n): n is QueryNode => n !== null));
  return excluded ? { kind: "exclude", node: excluded } : { kind: "none" };
}

/** Translates a user query into what each backend runs. */
export function planSearch(input: string): SearchPlan {
  const tree = searchTree(input);
  return tree.kind === "none" ? tree : { kind: tree.kind, fts: toFts(tree.node), tsquery: toTsquery(tree.node) };
}
