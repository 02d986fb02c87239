import type { Case } from "../core/case.ts";

/**
 * What a target is told about a case: never `expected` (a target that could see the answer
 * could not be evaluated honestly).
 */
export interface CasePayload {
  id: string;
  input: Case["input"];
  tags: Record<string, string>;
  cluster?: string;
  epoch: number;
}

export function casePayload(c: Case, epoch: number): CasePayload {
  const payload: CasePayload = { id: c.id, input: c.input, tags: c.tags, epoch };
  if (c.cluster !== undefined) payload.cluster = c.cluster;
  return payload;
}
