import { Module } from '@nestjs/common';
import { SettingsController } from './settings.controller.js';
import { SettingsService } from './settings.service.js';
import { UserDataController } from './user-data.controller.js';
import { UserDataService } from './user-data.service.js';
import { UserFilesRepository } from './user-files.repository.js';
import { UserService } from './user.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';

/** Users (`--multi-user`), their settings and their user data files (`/users`, `/settings`, `/userdata`, `/v2/userdata`). */
@Module({
  controllers: [UsersController, SettingsController, UserDataController],
  providers: [UserFilesRepository, UsersRepository, UserService, SettingsService, UserDataService],
  exports: [UserService],
})
export class UsersModule {}
