/** The case model (DESIGN.md §1). Everything downstream reads cases through this type. */

export type ChatRole = "system" | "user" | "assistant" | "tool";

export interface ToolCall {
  id?: string;
  name: string;
  arguments: unknown;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  name?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

/** Input is a string, chat `{ messages }`, or an object of template variables. */
export type CaseInput = string | { messages: ChatMessage[] } | Record<string, unknown>;

export interface Case {
  id: string;
  input: CaseInput;
  /** A reference answer, fields, expected tool calls: anything evaluators compare against. */
  expected?: unknown;
  /** Slice labels; every `key=value` is a slice. Values are normalised to strings. */
  tags: Record<string, string>;
  /** Items that are not independent (turns of one conversation) share a cluster. */
  cluster?: string;
}

/** Where a case came from, for error messages that name file and line. */
export interface CaseSource {
  file: string;
  line: number;
}

export interface SourcedCase {
  case: Case;
  source: CaseSource;
}
