import type { Hono } from "hono";
import type { CalibrationResponse } from "../api-types.ts";
import type { RouteContext } from "./context.ts";

/** Stored calibrations: how each evaluator version agrees with human labels. */
export function calibrationRoutes(app: Hono, { store }: RouteContext): void {
  app.get("/api/calibration", async (c) => {
    const body: CalibrationResponse = {
      records: await store.listCalibrations({
        evaluator: c.req.query("evaluator") || undefined,
        dimension: c.req.query("dimension") || undefined,
      }),
    };
    return c.json(body);
  });
}
