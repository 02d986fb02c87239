import type { RunOrigin } from "../api.ts";

/**
 * A CI job's address when it is an http(s) URL, else nothing: the origin comes from whoever pushed
 * the run, so a `javascript:` or `data:` address must never become a link.
 */
export function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Where a run was made: `user@host`, and its CI job as a link. Text only, never markup. */
export function Origin(props: { origin: RunOrigin | undefined }) {
  const o = props.origin;
  if (!o) return <span className="muted">—</span>;
  const ci = httpUrl(o.ciUrl);
  return (
    <span className="origin" data-testid="run-origin">
      <span className="mono" title="user@host">
        {o.user}@{o.host}
      </span>
      {ci && (
        <>
          {" · "}
          <a href={ci} target="_blank" rel="noopener noreferrer" title={ci} data-testid="run-ci-link">
            CI job
          </a>
        </>
      )}
    </span>
  );
}
