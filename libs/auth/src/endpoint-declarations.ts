import { RequestMethod, type INestApplicationContext } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, GATEWAY_OPTIONS, MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import { AUTH_DECLARATION, type AuthDeclaration } from './auth.decorators.js';

/** One row of the table of everything a client can reach, with who may reach it. */
export interface EndpointDeclaration {
  transport: 'http' | 'socket.io';
  /** `GET /api/me`, or `/consult message.send`. */
  endpoint: string;
  handler: string;
  /** `public`, the declared permission, or `UNDECLARED` (which the guard refuses). */
  access: string;
}

function access(declaration: AuthDeclaration | undefined): string {
  if (!declaration) return 'UNDECLARED';
  return declaration.public ? 'public' : declaration.permission;
}

function joinPath(...parts: string[]): string {
  return `/${parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
}

/**
 * Reads every controller route and socket.io event handler of an app, with its declaration,
 * from the same metadata the guard reads (CONVENTIONS 2). `servedPath` maps a route's own path
 * to the path it is served at (the global prefix). Sorted, so the table diffs well in review.
 */
export function describeEndpoints(
  app: INestApplicationContext,
  servedPath: (path: string) => string = (path) => path,
): EndpointDeclaration[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const rows: EndpointDeclaration[] = [];
  const declared = (handler: object, type: object) =>
    (Reflect.getMetadata(AUTH_DECLARATION, handler) ?? Reflect.getMetadata(AUTH_DECLARATION, type)) as
      AuthDeclaration | undefined;

  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!type) continue;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, type) ?? ''].flat() as string[];
    for (const name of scanner.getAllMethodNames(type.prototype)) {
      const handler = (type.prototype as Record<string, object>)[name];
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      for (const prefix of prefixes) {
        for (const path of [paths].flat()) {
          rows.push({
            transport: 'http',
            endpoint: `${method} ${servedPath(joinPath(prefix, path))}`,
            handler: `${type.name}.${name}`,
            access: access(declared(handler, type)),
          });
        }
      }
    }
  }

  for (const wrapper of discovery.getProviders()) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!type || !Reflect.getMetadata(GATEWAY_METADATA, type)) continue;
    const namespace = String(
      (Reflect.getMetadata(GATEWAY_OPTIONS, type) as { namespace?: string } | undefined)?.namespace ?? '/',
    );
    for (const name of scanner.getAllMethodNames(type.prototype)) {
      const handler = (type.prototype as Record<string, object>)[name];
      const event = Reflect.getMetadata(MESSAGE_METADATA, handler) as string | undefined;
      if (event === undefined) continue;
      rows.push({
        transport: 'socket.io',
        endpoint: `${namespace} ${event}`,
        handler: `${type.name}.${name}`,
        access: access(declared(handler, type)),
      });
    }
  }
  return rows.sort((a, b) => `${a.transport} ${a.endpoint}`.localeCompare(`${b.transport} ${b.endpoint}`));
}
