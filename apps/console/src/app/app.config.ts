import { ApplicationConfig, provideBrowserGlobalErrorListeners, provideZonelessChangeDetection } from '@angular/core';
import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { provideApiConfiguration } from '@refity/api-client';
import { appRoutes } from './app.routes';
import { authInterceptor } from './core/auth.interceptor';
import { provideIcons } from './shared/icons';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(appRoutes, withComponentInputBinding()),
    provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
    // The console is served by the admin API itself: same origin, paths already start with /api.
    provideApiConfiguration(''),
    provideIcons(),
  ],
};
