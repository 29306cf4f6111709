import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { registerDatabasePoolMetrics } from './database-pool-metrics.js';
import { type MetricsListen, MetricsServer } from './metrics-server.js';
import { type RefusalTransport, ServiceMetrics } from './service-metrics.js';

const METRICS_LISTEN = Symbol('METRICS_LISTEN');

export interface MetricsModuleOptions {
  listen: MetricsListen;
  /** Where refusals can happen, so each code's series exists from the start. */
  transports?: readonly RefusalTransport[];
}

/** Starts the metrics listener with the app and closes it with the app. */
@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly server: MetricsServer;

  constructor(
    metrics: ServiceMetrics,
    @Inject(METRICS_LISTEN) listen: MetricsListen,
    @Optional() dataSource?: DataSource,
  ) {
    this.server = new MetricsServer(metrics.registry, listen);
    if (dataSource) registerDatabasePoolMetrics(metrics.registry, dataSource);
  }

  /** The scrape URL once the app has started. */
  get url(): string | undefined {
    return this.server.url;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.start();
    this.logger.log({ url: this.server.url }, 'metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}

/**
 * Prometheus metrics for one service (README, Observability): `ServiceMetrics` for anything that
 * records, served on a listener of its own.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsModuleOptions): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      providers: [
        { provide: ServiceMetrics, useFactory: () => new ServiceMetrics(options.transports) },
        { provide: METRICS_LISTEN, useValue: options.listen },
        MetricsEndpoint,
      ],
      exports: [ServiceMetrics, MetricsEndpoint],
    };
  }
}
