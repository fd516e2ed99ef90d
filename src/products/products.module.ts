import { Module } from '@nestjs/common';
import { AuthenticationModule } from './authentication/authentication.module.js';
import { DocumentVerificationModule } from './document-verification/document-verification.module.js';
import { IdVerificationModule } from './id-verification/id-verification.module.js';

/** Every Jumio product the service reconciles; each is a thin module on the engine. */
export const PRODUCT_MODULES = [IdVerificationModule, DocumentVerificationModule, AuthenticationModule] as const;

@Module({ imports: [...PRODUCT_MODULES] })
export class ProductsModule {}
