import { lifecycleOperation } from "./lifecycle";

export const { route, handler } = lifecycleOperation("pause", "pauseSchedule", "Pause a pending schedule");
