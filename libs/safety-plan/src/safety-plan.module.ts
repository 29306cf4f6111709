import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { SafetyPlanSnapshot, SafetyPlanUpdate } from './safety-plan.entity.js';
import { SafetyPlanRepository } from './safety-plan.repository.js';
import { SafetyPlanService } from './safety-plan.service.js';

/**
 * The shared safety plan. The importing app provides the database (and migrations), and passes
 * the modules that export AccessService, AuditService and ClientKeyring.
 */
@Module({})
export class SafetyPlanModule {
  static register(options: { clock: Clock; imports: DynamicModule[] }): DynamicModule {
    return {
      module: SafetyPlanModule,
      imports: [TypeOrmModule.forFeature([SafetyPlanUpdate, SafetyPlanSnapshot]), ...options.imports],
      providers: [{ provide: Clock, useValue: options.clock }, SafetyPlanRepository, SafetyPlanService],
      exports: [SafetyPlanService],
    };
  }
}
