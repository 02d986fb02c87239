import { freshSchemaPerFile } from "../support/postgres.ts";
import { describeProductionStoreContract } from "./store-contract.ts";

// PostgreSQL at ASSAY_TEST_PG_URL (test/support/postgres.ts), in a schema of this file's own.
const pg = freshSchemaPerFile();

describeProductionStoreContract("postgres", () => pg.url);
