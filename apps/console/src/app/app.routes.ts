import { Route } from '@angular/router';
import { adminGuard, authGuard, guestGuard, sessionGuard } from './core/auth.guards';

/** Every page is lazy; the shell (navigation) wraps everything but login and the forced password page. */
export const appRoutes: Route[] = [
  { path: 'login', canActivate: [guestGuard], title: 'Log in · Refity', loadComponent: () => import('./pages/login/login').then((m) => m.LoginPage) },
  {
    path: 'password',
    canActivate: [sessionGuard],
    title: 'Change password · Refity',
    loadComponent: () => import('./pages/password/password').then((m) => m.PasswordPage),
  },
  {
    path: '',
    canActivate: [authGuard],
    canActivateChild: [authGuard],
    loadComponent: () => import('./shell/shell').then((m) => m.Shell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'dashboard' },
      { path: 'dashboard', title: 'Dashboard · Refity', loadComponent: () => import('./pages/dashboard/dashboard').then((m) => m.DashboardPage) },
      { path: 'groups', title: 'Groups · Refity', loadComponent: () => import('./pages/groups/groups').then((m) => m.GroupsPage) },
      {
        path: 'groups/:group',
        title: 'Repositories · Refity',
        loadComponent: () => import('./pages/repositories/repositories').then((m) => m.RepositoriesPage),
      },
      {
        path: 'groups/:group/:repository',
        title: 'Tags · Refity',
        loadComponent: () => import('./pages/tags/tags').then((m) => m.TagsPage),
      },
      {
        path: 'groups/:group/:repository/tags/:tag',
        title: 'Tag · Refity',
        loadComponent: () => import('./pages/tag-detail/tag-detail').then((m) => m.TagDetailPage),
      },
      { path: 'users', canActivate: [adminGuard], title: 'Users · Refity', loadComponent: () => import('./pages/users/users').then((m) => m.UsersPage) },
      {
        path: 'permissions',
        canActivate: [adminGuard],
        title: 'Permissions · Refity',
        loadComponent: () => import('./pages/permissions/permissions').then((m) => m.PermissionsPage),
      },
      { path: 'robots', canActivate: [adminGuard], title: 'Robot accounts · Refity', loadComponent: () => import('./pages/robots/robots').then((m) => m.RobotsPage) },
      { path: 'audit', canActivate: [adminGuard], title: 'Audit log · Refity', loadComponent: () => import('./pages/audit/audit').then((m) => m.AuditPage) },
      { path: 'profile', title: 'Profile · Refity', loadComponent: () => import('./pages/password/password').then((m) => m.PasswordPage) },
      { path: '**', title: 'Not found · Refity', loadComponent: () => import('./pages/not-found').then((m) => m.NotFoundPage) },
    ],
  },
];
