import { Module } from '@nestjs/common';
import { IdVerificationModule } from './id-verification/id-verification.module.js';

/** Every Jumio product the service reconciles; each is a thin module on the engine. */
@Module({ imports: [IdVerificationModule] })
export class ProductsModule {}
