/** Types for the plain-JavaScript baseline target, so TypeScript tests can import it. */
export type BaselineAction =
  | { action: "create"; title: string; priority: "low" | "medium" | "high"; due: string | null }
  | { action: "complete" | "delete"; title: string }
  | {
      action: "list";
      filter: {
        status: "open" | "done" | "all";
        priority: "low" | "medium" | "high" | null;
        due: string | null;
      };
    }
  | { action: "clarify"; reason: string };

/** Turns one request into one action object. */
export declare function parse(text: string): BaselineAction;
