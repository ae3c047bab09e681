export { FailoverController } from "./controller.ts";
