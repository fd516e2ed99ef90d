import { Module } from '@nestjs/common';
import { OperatorsPageController } from './operators-page.controller.js';
import { PageAssets } from './page-assets.js';

/** The web page for the people on call (`/admin`), over the admin API. */
@Module({
  controllers: [OperatorsPageController],
  providers: [{ provide: PageAssets, useFactory: () => PageAssets.load() }],
})
export class OperatorsPageModule {}
