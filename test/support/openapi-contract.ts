import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Test } from 'supertest';

/** The parts of an OpenAPI 3.0 document the check reads. */
interface MediaType {
  schema?: object;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
}

/** What the check reads of an answer (a superagent response has these). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

interface Route {
  template: string;
  pattern: RegExp;
  literals: number;
  operations: Record<string, Operation>;
}

const SCHEMAS = 'openapi-components';
const ROUTER_ERROR_SCHEMA = 'ErrorBody';

/**
 * Checks answers against a served OpenAPI document: the route, method and status must be declared, the
 * Content-Type must be one the status declares, and a JSON body must satisfy its schema. Object schemas that
 * list properties are read as closed (no field the document does not name), so the document describes every
 * field the code sends; the served document itself stays open to additions. Non-JSON bodies (media, metrics)
 * are checked for status and Content-Type only.
 */
export class OpenApiContract {
  private readonly ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
  private readonly routes: Route[];
  private readonly validators = new Map<object, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addKeyword('example');
    this.ajv.addSchema({ $id: SCHEMAS, definitions: strictSchema(document.components?.schemas ?? {}) });
    this.routes = Object.entries(document.paths)
      .map(([template, operations]) => ({
        template,
        // The router matches case-insensitively and with or without a trailing slash.
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i'),
        literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        operations,
      }))
      .sort((a, b) => b.literals - a.literals);
  }

  /** What is wrong with this answer to `method url` by the document, or null. */
  problem(method: string, url: string, answer: Answer): string | null {
    const path = new URL(url, 'http://localhost').pathname;
    // The document and its UI, and the operators' page (a page over the admin API, not an API), are not in it.
    if (/^\/(docs|admin)(\/|$)/i.test(path)) return null;
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const route = this.routes.find((r) => r.pattern.test(path) && r.operations[verb]);
    const name = `${method.toUpperCase()} ${route?.template ?? path}`;
    if (!route) {
      // No route: the router's 404, or a 401 when no valid key came (the key is checked before routing), in the
      // contract's error shape.
      if (answer.status !== 404 && answer.status !== 401)
        return `${name} answered ${answer.status}, but the document has no such route`;
      return this.bodyProblem(name, answer, { $ref: `#/components/schemas/${ROUTER_ERROR_SCHEMA}` });
    }
    const declared = route.operations[verb].responses;
    const response = declared[String(answer.status)] ?? declared.default;
    if (!response)
      return `${name} answered ${answer.status}, which the document does not declare (it declares ${Object.keys(declared).join(', ')})`;
    const type = mediaType(answer.headers['content-type']);
    const content = response.content ?? {};
    if (type === null || method.toLowerCase() === 'head') {
      return Object.keys(content).length > 0 && answer.status !== 304 && method.toLowerCase() !== 'head'
        ? `${name} answered ${answer.status} without a body; the document declares ${Object.keys(content).join(', ')}`
        : null;
    }
    const key = Object.keys(content).find((k) => mediaType(k) === type);
    if (key === undefined)
      return `${name} answered ${answer.status} with ${type}; the document declares ${Object.keys(content).join(', ') || 'no body'}`;
    if (!isJson(type)) return null;
    const schema = content[key].schema;
    if (!schema) return `${name} answered ${answer.status} with JSON; the document declares no schema for it`;
    return this.bodyProblem(`${name} answered ${answer.status}`, answer, schema);
  }

  /** Checks every answer `test` gets: a mismatch fails it, after the test's own expectations. */
  watch<T extends Test>(test: T): T {
    const watched = test as unknown as {
      method: string;
      url: string;
      assert(resError: unknown, res: Answer | undefined, fn?: (err: unknown, res?: Answer) => void): void;
    };
    const assert = watched.assert;
    const problem = (res: Answer) => this.problem(watched.method, watched.url, res);
    watched.assert = function (this: unknown, resError, res, fn) {
      assert.call(this, resError, res, function (this: unknown, err: unknown, response?: Answer) {
        let failure: unknown = err;
        try {
          const found = !err && response ? problem(response) : null;
          if (found) failure = new Error(`OpenAPI: ${found}`);
        } catch (e) {
          failure = e; // a schema Ajv cannot compile: the request fails rather than never settling
        }
        fn?.call(this, failure ?? null, response);
      });
    };
    return test;
  }

  private bodyProblem(name: string, answer: Answer, schema: object): string | null {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(strictSchema(schema));
      this.validators.set(schema, validate);
    }
    if (validate(answer.body)) return null;
    const errors = this.ajv.errorsText(validate.errors, { dataVar: 'body', separator: '; ' });
    return `${name}: ${errors}; the body was ${JSON.stringify(answer.body)?.slice(0, 600)}`;
  }
}

/** `application/json` from `application/json; charset=utf-8`; null without a Content-Type. */
function mediaType(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? value.split(';')[0].trim().toLowerCase() : null;
}

const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

/**
 * A copy of a document schema for Ajv: component refs point at the shared definitions, a discriminator without
 * its mapping, and objects that list properties without saying whether others may appear closed.
 */
function strictSchema<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(strictSchema) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] =
      key === '$ref' && typeof value === 'string'
        ? value.replace('#/components/schemas/', `${SCHEMAS}#/definitions/`)
        : key === 'example' || key === 'enum'
          ? value
          : key === 'discriminator'
            ? // Ajv picks the oneOf branch by the property's enum in each branch; it refuses a mapping.
              { propertyName: (value as { propertyName: string }).propertyName }
            : strictSchema(value);
  }
  if (copy.properties && copy.additionalProperties === undefined && !copy.allOf) copy.additionalProperties = false;
  return copy as T;
}
