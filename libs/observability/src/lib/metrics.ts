import { Controller, Get, Header, Inject, Injectable, MiddlewareConsumer, Module, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const METRICS_APP_NAME = Symbol('METRICS_APP_NAME');

/** One Prometheus registry per process, with the HTTP metrics both apps share. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly bytesIn: Counter<'route'>;
  readonly bytesOut: Counter<'route'>;

  constructor(@Inject(METRICS_APP_NAME) appName: string) {
    this.registry.setDefaultLabels({ app: appName });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.requests = new Counter({ name: 'refity_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.duration = new Histogram({
      name: 'refity_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 60],
      registers,
    });
    this.bytesIn = new Counter({ name: 'refity_http_received_bytes_total', help: 'Bytes received (request bodies and headers)', labelNames: ['route'], registers });
    this.bytesOut = new Counter({ name: 'refity_http_sent_bytes_total', help: 'Bytes sent (response bodies and headers)', labelNames: ['route'], registers });
  }
}

/**
 * Labels requests by a route name (never the raw path: repository names and digests would
 * explode the label cardinality). Apps set `response.locals.route`; the rest is `other`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const socket = request.socket;
    const readAtStart = socket.bytesRead;
    const writtenAtStart = socket.bytesWritten;
    response.once('close', () => {
      const route = (response.locals['route'] as string | undefined) ?? 'other';
      this.metrics.requests.inc({ method: request.method, route, status: String(response.statusCode) });
      this.metrics.duration.observe({ method: request.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
      this.metrics.bytesIn.inc({ route }, Math.max(socket.bytesRead - readAtStart, 0));
      this.metrics.bytesOut.inc({ route }, Math.max(socket.bytesWritten - writtenAtStart, 0));
    });
    next();
  }
}

@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

/** Prometheus `/metrics` plus HTTP request metrics for every route. */
@Module({})
export class MetricsModule {
  static forApp(appName: string) {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: METRICS_APP_NAME, useValue: appName }, MetricsService, HttpMetricsMiddleware],
      exports: [MetricsService],
      global: true,
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
