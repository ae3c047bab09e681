export * from "./browser.ts";
