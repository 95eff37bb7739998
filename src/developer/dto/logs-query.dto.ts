import { IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';

export class LogsQueryDto {
  @IsOptional()
  @IsUUID('all', { message: 'installation must be an installation id' })
  installation?: string;

  /** only lines strictly after this time (ISO 8601), for `logs --follow` */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 time like 2025-01-31T12:00:00.000Z' })
  since?: string;

  @IsOptional()
  @Matches(/^([1-9]\d{0,2}|1000)$/, { message: 'limit must be a whole number from 1 to 1000' })
  limit?: string;
}
