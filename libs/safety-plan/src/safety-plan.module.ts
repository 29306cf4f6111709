import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { SafetyPlanSnapshot, SafetyPlanUpdate, SafetyPlanVersion } from './safety-plan.entity.js';
import { SafetyPlanRepository } from './safety-plan.repository.js';
import { PlanHistory } from './safety-plan-history.js';
import { SafetyPlanService } from './safety-plan.service.js';
import { SafetyPlanVersionsService } from './safety-plan-versions.service.js';

/**
 * The shared safety plan. The importing app provides the database (and migrations), and passes
 * the modules that export AccessService, AuditService and ClientKeyring.
 */
@Module({})
export class SafetyPlanModule {
  static register(options: { clock: Clock; imports: DynamicModule[] }): DynamicModule {
    return {
      module: SafetyPlanModule,
      imports: [
        TypeOrmModule.forFeature([SafetyPlanUpdate, SafetyPlanSnapshot, SafetyPlanVersion]),
        ...options.imports,
      ],
      providers: [
        { provide: Clock, useValue: options.clock },
        SafetyPlanRepository,
        PlanHistory,
        SafetyPlanService,
        SafetyPlanVersionsService,
      ],
      exports: [SafetyPlanService, SafetyPlanVersionsService],
    };
  }
}
