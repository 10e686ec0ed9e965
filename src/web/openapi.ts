/**
 * The OpenAPI 3.1 document of the HTTP API, derived from the route declarations (route-table.ts): paths,
 * parameters, bodies and their JSON Schemas (zod → JSON Schema), which calls need a session, and the error
 * shape. Served at /api/openapi.json; a test checks that every mounted route appears here.
 */
import { z } from "zod";
import { CSRF_HEADER, ERROR_SCHEMA, type Route, SESSION_COOKIE } from "./route-table.ts";

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  delete out.$schema;
  return out;
}

/** One OpenAPI parameter per property of an object schema. */
function parametersOf(schema: z.ZodType | undefined, where: "path" | "query"): Json[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema);
  const properties = (object.properties ?? {}) as Record<string, Json>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

const ERROR_RESPONSE = (description: string): Json => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

function operation(route: Route): Json {
  const responses: Json = {
    [String(route.response.status ?? 200)]: {
      description: route.response.description,
      ...(route.response.mediaType === undefined && route.response.schema === undefined
        ? {}
        : {
            content: {
              [route.response.mediaType ?? "application/json"]: {
                schema: route.response.schema === undefined ? {} : jsonSchema(route.response.schema),
              },
            },
          }),
    },
  };
  if (route.params !== undefined || route.query !== undefined || route.json !== undefined) {
    responses["400"] = ERROR_RESPONSE("invalid input; `field` names the first wrong field");
  }
  if (route.auth === "session") {
    responses["401"] = ERROR_RESPONSE("no live session");
    if (route.method !== "get")
      responses["403"] = ERROR_RESPONSE("missing CSRF header or cross-origin request");
  }
  if (route.json !== undefined || route.raw !== undefined) {
    responses["413"] = ERROR_RESPONSE("body too large");
    responses["415"] = ERROR_RESPONSE("wrong Content-Type");
  }
  const op: Json = {
    operationId: `${route.method}${route.path
      .replace(/[{}]/g, "")
      .replace(/\/(\w)/g, (_, c: string) => c.toUpperCase())
      .replace(/[^A-Za-z0-9]/g, "")}`,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    parameters: [...parametersOf(route.params, "path"), ...parametersOf(route.query, "query")],
    responses,
  };
  if (route.json !== undefined) {
    op.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(route.json) } } };
  } else if (route.raw !== undefined) {
    const content: Json = {};
    for (const type of route.raw.mediaTypes) {
      content[type] = { schema: { type: "string", format: "binary", maxLength: route.raw.maxBytes } };
    }
    op.requestBody = { required: true, content };
  }
  if (route.auth === "session")
    op.security = [route.method === "get" ? { session: [] } : { session: [], csrf: [] }];
  return op;
}

export function buildOpenApi(routes: readonly Route[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "opendcu local maintenance API",
      version,
      description:
        "The JSON API behind the concentrator's web interface. Reads are open; anything that changes state " +
        "needs a session (POST /api/session) and the session's CSRF token in the X-CSRF-Token header.",
    },
    paths,
    components: {
      schemas: { Error: jsonSchema(ERROR_SCHEMA) },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
        csrf: { type: "apiKey", in: "header", name: CSRF_HEADER },
      },
    },
  };
}
