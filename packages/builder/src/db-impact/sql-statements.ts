/**
 * Splits a migration file into statements with the real PostgreSQL parser (libpg-query), never
 * with regular expressions: semicolons inside strings, dollar-quoted function bodies and comments
 * are the parser's business.
 */
import { BerthError } from '@berth/core';
import { hasSqlDetails, parse, scan, type Node, type ScanToken } from 'libpg-query';

/** One statement of a file: its parse node and its own text. */
export interface ParsedStatement {
  /** A single-key object: the key is the node's name (e.g. `AlterTableStmt`), the value its body. */
  readonly node: Node;
  /** The statement's text without surrounding comments and whitespace, passwords redacted. */
  readonly text: string;
}

/**
 * Parses a whole file. An empty file or one of comments only has no statements. A syntax error
 * throws `invalid_migration_sql` naming the file and the line.
 */
export async function parseStatements(sql: string, file: string): Promise<ParsedStatement[]> {
  // The parser refuses an empty string; a file of whitespace simply has no statements.
  if (sql.trim() === '') return [];
  let raw;
  try {
    raw = (await parse(sql)).stmts ?? [];
  } catch (error) {
    throw syntaxError(sql, file, error);
  }
  const bytes = Buffer.from(sql, 'utf8');
  const tokens = await tokensOf(sql);
  const statements: ParsedStatement[] = [];
  for (const stmt of raw) {
    if (!stmt.stmt) continue;
    // Locations are byte offsets into the UTF-8 text; a missing location is 0 and a missing
    // length means "to the end of the file".
    const start = stmt.stmt_location ?? 0;
    const end = stmt.stmt_len ? start + stmt.stmt_len : bytes.length;
    statements.push({ node: stmt.stmt, text: statementText(bytes, tokens, start, end) });
  }
  return statements;
}

/** The 1-based line of a 0-based character offset (PostgreSQL counts characters, not bytes). */
export function lineAt(sql: string, cursorPosition: number): number {
  let line = 1;
  let index = 0;
  for (const char of sql) {
    if (index >= cursorPosition) break;
    if (char === '\n') line += 1;
    index += 1;
  }
  return line;
}

function syntaxError(sql: string, file: string, error: unknown): BerthError {
  const message = error instanceof Error ? error.message : String(error);
  const cursorPosition = hasSqlDetails(error) ? error.sqlDetails?.cursorPosition : undefined;
  if (cursorPosition === undefined) {
    return new BerthError('invalid_migration_sql', `${file}: ${message}`, { details: { file, line: null, cursorPosition: null }, cause: error });
  }
  const line = lineAt(sql, cursorPosition);
  return new BerthError('invalid_migration_sql', `${file}: ${message} at line ${line}`, { details: { file, line, cursorPosition }, cause: error });
}

async function tokensOf(sql: string): Promise<ScanToken[] | undefined> {
  try {
    return (await scan(sql)).tokens;
  } catch {
    // The scanner accepts everything the parser accepted; if it ever does not, the raw ranges
    // (trimmed of whitespace) are still correct text, only with comments left in.
    return undefined;
  }
}

const commentTokens = new Set(['SQL_COMMENT', 'C_COMMENT']);

/**
 * The text of the statement in bytes [start, end): from its first to its last token that is not a
 * comment (the parser's range starts right after the previous semicolon, comments included).
 * A string constant right after the word PASSWORD is replaced, so that recorded evidence never
 * carries a role's or a server's password.
 */
function statementText(bytes: Buffer, tokens: ScanToken[] | undefined, start: number, end: number): string {
  if (!tokens) return bytes.subarray(start, end).toString('utf8').trim();
  const own = tokens.filter((t) => t.start >= start && t.end <= end && !commentTokens.has(t.tokenName));
  const first = own[0];
  const last = own[own.length - 1];
  if (!first || !last) return bytes.subarray(start, end).toString('utf8').trim();
  let text = '';
  let cursor = first.start;
  for (let i = 0; i < own.length; i += 1) {
    const token = own[i]!;
    if (token.tokenName === 'SCONST' && own[i - 1]?.text.toLowerCase() === 'password') {
      text += bytes.subarray(cursor, token.start).toString('utf8') + "'[redacted]'";
      cursor = token.end;
    }
  }
  return (text + bytes.subarray(cursor, last.end).toString('utf8')).trim();
}
