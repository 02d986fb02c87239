import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type SortingState,
  type Updater,
  useReactTable,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type CaseRow, type CasesResponse, enc, getJson } from "../api.ts";
import { int, ms, num } from "../format.ts";
import { Link } from "../router.tsx";
import { ErrorNote, StatusBadge } from "./common.tsx";

/**
 * The case table: server-side filtering, sorting and paging, rendered through TanStack Virtual so
 * only the rows in view exist in the DOM (smooth at 100,000 cases). Pages of PAGE rows are fetched
 * as they scroll into view and kept while near it.
 */

const PAGE = 100;
const ROW_HEIGHT = 34;
const KEEP_PAGES = 40;

interface PageState {
  key: string;
  matched: number | null;
  total: number;
  dimensions: string[];
  pages: Map<number, CaseRow[]>;
  error?: string;
}

/** `-latency` ⇄ [{ id: "latency", desc: true }]; dimension columns sort as `score:<name>`. */
function toSorting(sort: string): SortingState {
  if (!sort || sort === "ordinal") return [];
  const desc = sort.startsWith("-");
  const field = desc ? sort.slice(1) : sort;
  return [{ id: field.startsWith("score:") ? `dim:${field.slice(6)}` : field, desc }];
}

function fromSorting(s: SortingState): string {
  if (s.length === 0) return "ordinal";
  const { id, desc } = s[0];
  const field = id.startsWith("dim:") ? `score:${id.slice(4)}` : id;
  return desc ? `-${field}` : field;
}

export function CaseTable(props: {
  runId: string;
  /** filter query string (slice, dimension, status, q) without sort or paging */
  filter: string;
  sort: string;
  onSort: (sort: string) => void;
}) {
  const { runId, filter, sort } = props;
  const key = `${filter ? `${filter}&` : ""}sort=${encodeURIComponent(sort)}`;
  const [state, setState] = useState<PageState>({
    key,
    matched: null,
    total: 0,
    dimensions: [],
    pages: new Map(),
  });
  const inflight = useRef(new Set<string>());
  const dimsRef = useRef<string[]>([]);

  const fetchPage = useCallback(
    (page: number) => {
      const id = `${key}#${page}`;
      if (inflight.current.has(id)) return;
      inflight.current.add(id);
      const url = `/api/runs/${enc(runId)}/cases?${key}&offset=${page * PAGE}&limit=${PAGE}`;
      getJson<CasesResponse>(url).then(
        (res) => {
          const dims = res.rows[0] ? Object.keys(res.rows[0].dims) : dimsRef.current;
          dimsRef.current = dims;
          setState((s) => {
            if (s.key !== key) return s;
            const pages = new Map(s.pages);
            pages.set(page, res.rows);
            if (pages.size > KEEP_PAGES) {
              // forget the pages furthest from this one
              const far = [...pages.keys()].sort((a, b) => Math.abs(b - page) - Math.abs(a - page));
              for (const p of far.slice(0, pages.size - KEEP_PAGES)) {
                pages.delete(p);
                inflight.current.delete(`${key}#${p}`);
              }
            }
            return { ...s, matched: res.matched, total: res.total, dimensions: dims, pages };
          });
        },
        (err: unknown) => {
          inflight.current.delete(id);
          setState((s) =>
            s.key === key ? { ...s, error: err instanceof Error ? err.message : String(err) } : s,
          );
        },
      );
    },
    [key, runId],
  );

  useEffect(() => {
    inflight.current.clear();
    setState((s) => ({ key, matched: null, total: s.total, dimensions: s.dimensions, pages: new Map() }));
    fetchPage(0);
  }, [key, fetchPage]);

  const current = state.key === key ? state : undefined;
  const count = current?.matched ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length > 0 ? items[0].index : 0;
  const last = items.length > 0 ? items[items.length - 1].index : 0;

  // fetch the pages in view once scrolling pauses briefly
  useEffect(() => {
    if (!current || count === 0) return;
    const timer = setTimeout(() => {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
        if (!current.pages.has(p)) fetchPage(p);
      }
    }, 40);
    return () => clearTimeout(timer);
  }, [first, last, current, count, fetchPage]);

  const rowAt = (i: number): CaseRow | undefined => current?.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  const visibleNow = items.map((v) => rowAt(v.index)).filter((r): r is CaseRow => r !== undefined);
  // the same rows keep the same array, so the table's row model is rebuilt only when they change
  const visibleKey = visibleNow.map((r) => r.id).join("\u0000");
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the ids of the rows in view
  const visible = useMemo(() => visibleNow, [visibleKey, current]);
  const dimensions = state.dimensions;
  // a case opened from the table keeps its filter and order, so its prev / next walk this list
  const keepQuery = `${filter}${sort && sort !== "ordinal" ? `${filter ? "&" : ""}sort=${encodeURIComponent(sort)}` : ""}`;
  const keep = keepQuery ? `?${keepQuery}` : "";

  const columns = useMemo<ColumnDef<CaseRow>[]>(
    () => [
      {
        id: "id",
        // the accessors only make the columns sortable: the server sorts
        accessorFn: (r) => r.id,
        header: "case",
        cell: ({ row }) => (
          <Link to={`/runs/${enc(runId)}/cases/${enc(row.original.id)}${keep}`} className="mono">
            {row.original.id}
          </Link>
        ),
      },
      {
        id: "status",
        accessorFn: (r) => r.status,
        header: "status",
        cell: ({ row }) => <StatusBadge status={row.original.status} />,
      },
      {
        id: "aggregate",
        accessorFn: (r) => r.aggregate,
        header: "aggregate",
        cell: ({ row }) => <span className="num">{num(row.original.aggregate, 2)}</span>,
      },
      ...dimensions.map(
        (d): ColumnDef<CaseRow> => ({
          id: `dim:${d}`,
          accessorFn: (r) => r.dims[d]?.score ?? null,
          header: d,
          cell: ({ row }) => {
            const v = row.original.dims[d];
            return (
              <span className={`num score-${v?.status ?? "unscored"}`}>
                {v?.score === null || !v ? "—" : num(v.score, 2)}
              </span>
            );
          },
        }),
      ),
      {
        id: "latency",
        accessorFn: (r) => r.latencyMs,
        header: "latency",
        cell: ({ row }) => <span className="num">{ms(row.original.latencyMs)}</span>,
      },
      {
        id: "input",
        header: "input",
        enableSorting: false,
        cell: ({ row }) => (
          <span className="preview" title={row.original.input}>
            {row.original.input}
          </span>
        ),
      },
      {
        id: "output",
        header: "output",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.errorClass ? (
            <span className="preview error-text">error: {row.original.errorClass}</span>
          ) : (
            <span className="preview" title={row.original.output}>
              {row.original.output}
            </span>
          ),
      },
      {
        id: "labels",
        header: "labels",
        enableSorting: false,
        cell: ({ row }) => <span className="num">{row.original.labels || ""}</span>,
      },
    ],
    [dimensions, runId, keep],
  );

  const sorting = useMemo(() => toSorting(sort), [sort]);
  const { onSort } = props;
  const onSortingChange = useCallback(
    (u: Updater<SortingState>) => onSort(fromSorting(typeof u === "function" ? u(sorting) : u)),
    [onSort, sorting],
  );
  const table = useReactTable({
    data: visible,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => r.id,
    manualSorting: true,
    manualPagination: true,
    manualFiltering: true,
    // data changes on every scroll: nothing may reset table state in response (that loops)
    autoResetAll: false,
    enableMultiSort: false,
    sortDescFirst: false,
    state: { sorting },
    onSortingChange,
  });
  const rowsById = table.getRowModel().rowsById;
  const template = `minmax(8rem, 10rem) 5rem 6rem ${dimensions.map(() => "minmax(5rem, 7rem)").join(" ")} 6.5rem minmax(10rem, 1fr) minmax(10rem, 1fr) 4rem`;

  return (
    <div className="case-table-wrap">
      <div className="case-count" data-testid="case-count">
        {current?.matched === null || current === undefined
          ? "loading cases…"
          : `${int(current.matched)} of ${int(current.total)} cases`}
      </div>
      {state.error && <ErrorNote error={state.error} />}
      <div ref={scrollRef} className="case-scroll" data-testid="case-table">
        <table className="case-table">
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id} className="case-row case-head" style={{ gridTemplateColumns: template }}>
                {hg.headers.map((h) => {
                  const dir = h.column.getIsSorted();
                  return (
                    <th
                      key={h.id}
                      aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : undefined}
                    >
                      {h.column.getCanSort() ? (
                        <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()}>
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          {dir === "asc" ? " ▲" : dir === "desc" ? " ▼" : ""}
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody style={{ height: `${virtualizer.getTotalSize()}px` }}>
            {items.map((v) => {
              const data = rowAt(v.index);
              const row = data ? rowsById[data.id] : undefined;
              return (
                <tr
                  key={v.key}
                  className={`case-row ${data ? `status-${data.status}` : "placeholder"}`}
                  data-case={data?.id}
                  style={{
                    transform: `translateY(${v.start}px)`,
                    gridTemplateColumns: template,
                    height: `${ROW_HEIGHT}px`,
                  }}
                >
                  {row ? (
                    row
                      .getVisibleCells()
                      .map((cell) => (
                        <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                      ))
                  ) : (
                    <td className="muted">loading…</td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
        {current?.matched === 0 && <p className="muted empty-table">No cases match these filters.</p>}
      </div>
    </div>
  );
}
