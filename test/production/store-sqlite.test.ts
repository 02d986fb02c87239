import { afterAll } from "vitest";
import { tempDir } from "../support/temp.ts";
import { describeProductionStoreContract } from "./store-contract.ts";

// One SQLite file for the whole contract (WAL mode): tests and the racing workers share it.
const tmp = tempDir("assay-production-sqlite-");
afterAll(() => tmp.remove());

describeProductionStoreContract("sqlite", () => tmp.path("production/assay.db"));
