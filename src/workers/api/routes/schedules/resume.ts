import { lifecycleOperation } from "./lifecycle";

export const { route, handler } = lifecycleOperation("resume", "resumeSchedule", "Resume a paused schedule");
