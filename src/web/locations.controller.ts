import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { capabilityChoices } from './device-controls';
import { DevicePagesService } from './device-pages.service';
import { DeviceFormDto } from './dto/device-form.dto';
import { LocationFormDto } from './dto/location-form.dto';
import { LocationNameDto } from './dto/location-name.dto';
import { checkCoordinates } from './dto/location-coordinates';
import { LocationModeDto } from './dto/location-mode.dto';
import { takeFlash, setFlash } from '../common/flash';
import { checkForm, formField, formList } from '../common/form';
import { LocationPagesService } from './location-pages.service';
import { TIME_ZONES } from './time-zones';

function timeZoneOptions(selected: string) {
  return TIME_ZONES.map((z) => ({ value: z, selected: z === selected }));
}

@Controller('locations')
export class LocationsController {
  constructor(
    private readonly pages: LocationPagesService,
    private readonly devicePages: DevicePagesService,
  ) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.renderIndex(req, res, 200, { name: '', timeZone: 'UTC' }, null);
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    const form = { name: formField(req, 'name').trim(), timeZone: formField(req, 'timeZone') || 'UTC' };
    const checked = await checkForm(LocationFormDto, form);
    if (!checked.ok) {
      return this.renderIndex(req, res, 400, form, checked.message);
    }
    const location = await this.pages.create(req.user!.id, checked.value);
    setFlash(req, `Location ${location.name} created. Add its devices below.`);
    res.redirect(303, `/locations/${location.id}`);
  }

  @Get(':locationId')
  async show(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    await this.renderShow(req, res, locationId, 200, {});
  }

  @Post(':locationId/mode')
  async switchMode(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const outcome = await this.pages.setMode(req.user!.id, locationId, formField(req, 'mode'));
    if (!outcome.ok) {
      return this.renderShow(req, res, locationId, 400, { modeError: outcome.message });
    }
    setFlash(req, outcome.message);
    res.redirect(303, `/locations/${locationId}`);
  }

  @Post(':locationId/modes')
  async addMode(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const name = formField(req, 'name').trim();
    const checked = await checkForm(LocationModeDto, { name });
    const outcome = checked.ok ? await this.pages.addMode(req.user!.id, locationId, checked.value.name) : checked;
    if (!outcome.ok) {
      return this.renderShow(req, res, locationId, 400, { addModeError: outcome.message, newMode: name });
    }
    setFlash(req, outcome.message);
    res.redirect(303, `/locations/${locationId}`);
  }

  @Post(':locationId/coordinates')
  async coordinates(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const checked = checkCoordinates(formField(req, 'latitude'), formField(req, 'longitude'));
    if (!checked.ok) {
      return this.renderShow(req, res, locationId, 400, { coordinatesError: checked.message, form: { latitude: formField(req, 'latitude'), longitude: formField(req, 'longitude') } });
    }
    await this.pages.setCoordinates(req.user!.id, locationId, checked.latitude, checked.longitude);
    setFlash(req, checked.latitude === null ? 'Coordinates cleared: sunrise and sunset are unknown.' : 'Coordinates saved.');
    res.redirect(303, `/locations/${locationId}`);
  }

  @Post(':locationId/rename')
  async rename(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const checked = await checkForm(LocationNameDto, { name: formField(req, 'name').trim() });
    if (!checked.ok) {
      return this.renderShow(req, res, locationId, 400, { renameError: checked.message });
    }
    await this.pages.rename(req.user!.id, locationId, checked.value.name);
    setFlash(req, `Location renamed to ${checked.value.name}.`);
    res.redirect(303, `/locations/${locationId}`);
  }

  @Get(':locationId/delete')
  async confirmDelete(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const location = await this.pages.findForAccount(req.user!.id, locationId);
    res.render('web/locations/delete', { title: `Delete ${location.name}`, location, inUse: location.apps.length > 0 });
  }

  @Post(':locationId/delete')
  async remove(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    if (formField(req, 'confirm') !== 'yes') {
      return res.redirect(303, `/locations/${encodeURIComponent(locationId)}/delete`);
    }
    const outcome = await this.pages.remove(req.user!.id, locationId);
    if (outcome.kind === 'in_use') {
      const location = await this.pages.findForAccount(req.user!.id, locationId);
      return res.status(409).render('web/locations/delete', { title: `Delete ${location.name}`, location, inUse: true, refused: true });
    }
    setFlash(req, `Location ${outcome.name} and its devices were deleted.`);
    res.redirect(303, '/locations');
  }

  @Get(':locationId/devices/new')
  async newDevice(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const location = await this.devicePages.locationForAccount(req.user!.id, locationId);
    res.render('web/devices/new', { title: `Add a device to ${location.name}`, location, label: '', capabilities: capabilityChoices() });
  }

  @Post(':locationId/devices')
  async createDevice(@Req() req: Request, @Res() res: Response, @Param('locationId') locationId: string): Promise<void> {
    const form = { label: formField(req, 'label').trim(), capabilities: formList(req, 'capabilities') };
    const checked = await checkForm(DeviceFormDto, form);
    if (!checked.ok) {
      const location = await this.devicePages.locationForAccount(req.user!.id, locationId);
      return res.status(400).render('web/devices/new', {
        title: `Add a device to ${location.name}`,
        location,
        label: form.label,
        capabilities: capabilityChoices(form.capabilities),
        error: checked.message,
      });
    }
    const device = await this.devicePages.create(req.user!.id, locationId, checked.value);
    setFlash(req, `${device.label} added.`);
    res.redirect(303, `/devices/${device.id}`);
  }

  private async renderShow(req: Request, res: Response, locationId: string, status: number, extra: Record<string, unknown>): Promise<void> {
    const location = await this.pages.findForAccount(req.user!.id, locationId);
    const form = { latitude: location.latitude ?? '', longitude: location.longitude ?? '' };
    res.status(status).render('web/locations/show', { title: location.name, location, form, flash: status === 200 ? takeFlash(req) : null, ...extra });
  }

  private async renderIndex(req: Request, res: Response, status: number, form: { name: string; timeZone: string }, error: string | null): Promise<void> {
    const locations = await this.pages.overviewForAccount(req.user!.id);
    res.status(status).render('web/locations/index', {
      title: 'Your locations',
      locations,
      form,
      timeZones: timeZoneOptions(form.timeZone),
      error,
      flash: takeFlash(req),
    });
  }
}
