import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { SchemaInfo } from '../database/schema-info.entity.js';

@Injectable()
export class HealthRepository {
  constructor(@InjectRepository(SchemaInfo) private readonly schemaInfo: Repository<SchemaInfo>) {}

  /** True when the database answers and holds the gateway's migrated schema. */
  async isGatewaySchemaReachable(): Promise<boolean> {
    try {
      return (await this.schemaInfo.existsBy({ service: 'gateway' })) === true;
    } catch {
      return false;
    }
  }
}
