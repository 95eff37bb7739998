import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidationIssue } from '../smartapps/definition-validator';
import { DeveloperError, DeveloperErrorCode } from './developer.errors';

function issuesOf(errors: ValidationError[], parent = ''): ValidationIssue[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((message) => ({ path, message })), ...issuesOf(e.children ?? [], path)];
  });
}

/** class-validator on a developer API body or query; failures become `code` with one detail per problem. */
export function developerValidation(code: DeveloperErrorCode): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const details = issuesOf(errors);
      return new DeveloperError(code, details.map((d) => d.message).join('; '), details);
    },
  });
}
