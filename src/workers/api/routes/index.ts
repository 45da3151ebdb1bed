import type { App } from "../app";
import * as createTenant from "./admin/create-tenant";
import * as createApiKey from "./api-keys/create";
import * as deleteApiKey from "./api-keys/delete";
import * as listApiKeys from "./api-keys/list";
import * as health from "./ops/health";
import * as bulkCancel from "./schedules/bulk-cancel";
import * as bulkCreate from "./schedules/bulk-create";
import * as cancelSchedule from "./schedules/cancel";
import * as createSchedule from "./schedules/create";
import * as executeSchedule from "./schedules/execute";
import * as listExecutions from "./schedules/executions";
import * as getSchedule from "./schedules/get";
import * as listUserSchedules from "./schedules/list-by-user";
import * as pauseSchedule from "./schedules/pause";
import * as resumeSchedule from "./schedules/resume";
import * as updateSchedule from "./schedules/update";
import * as getTenant from "./tenant/get";
import * as updateTenant from "./tenant/update";
import * as eraseUser from "./users/erase";
import * as getUser from "./users/get";
import * as patchUser from "./users/patch";
import * as putUser from "./users/put";

/** Every operation, one module each; literal paths before parameterised ones that could shadow them. */
export function registerRoutes(app: App): void {
  app.openapi(health.route, health.handler);
  app.openapi(createTenant.route, createTenant.handler);
  app.openapi(getTenant.route, getTenant.handler);
  app.openapi(updateTenant.route, updateTenant.handler);
  app.openapi(createApiKey.route, createApiKey.handler);
  app.openapi(listApiKeys.route, listApiKeys.handler);
  app.openapi(deleteApiKey.route, deleteApiKey.handler);
  app.openapi(putUser.route, putUser.handler);
  app.openapi(patchUser.route, patchUser.handler);
  app.openapi(getUser.route, getUser.handler);
  app.openapi(eraseUser.route, eraseUser.handler);
  app.openapi(listUserSchedules.route, listUserSchedules.handler);
  app.openapi(bulkCreate.route, bulkCreate.handler);
  app.openapi(bulkCancel.route, bulkCancel.handler);
  app.openapi(createSchedule.route, createSchedule.handler);
  app.openapi(getSchedule.route, getSchedule.handler);
  app.openapi(updateSchedule.route, updateSchedule.handler);
  app.openapi(cancelSchedule.route, cancelSchedule.handler);
  app.openapi(pauseSchedule.route, pauseSchedule.handler);
  app.openapi(resumeSchedule.route, resumeSchedule.handler);
  app.openapi(executeSchedule.route, executeSchedule.handler);
  app.openapi(listExecutions.route, listExecutions.handler);
}
