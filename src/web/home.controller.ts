import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { takeFlash } from '../common/flash';
import { HomeService } from './home.service';

@Controller()
export class HomeController {
  constructor(private readonly home: HomeService) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    const account = req.user!;
    res.render('home', { title: 'Home', user: account, ...(await this.home.overview(account)), flash: takeFlash(req) });
  }
}
