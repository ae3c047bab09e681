// Same, through the workspace package name.
export * from "@faultline/lab-g-counter/reference";
