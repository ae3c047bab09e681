// Grading process bootstrap: teach this process TypeScript (tsx), then serve seeds.
import { register } from "tsx/esm/api";
register();
await import("./child.ts");
