// Worker thread bootstrap: teach this thread TypeScript (tsx), then run seeds on request.
import { register } from "tsx/esm/api";
register();
await import("./worker.ts");
