import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { provideApiConfiguration } from '@refity/api-client';
import { authInterceptor } from '../../core/auth.interceptor';
import { provideIcons } from '../../shared/icons';
import { LoginPage, safeReturnUrl } from './login';

async function render(returnUrl?: string) {
  sessionStorage.clear();
  TestBed.configureTestingModule({
    imports: [LoginPage],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
  const navigateByUrl = jest.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
  const fixture = TestBed.createComponent(LoginPage);
  if (returnUrl) fixture.componentRef.setInput('returnUrl', returnUrl);
  fixture.detectChanges();
  await fixture.whenStable();
  const el = fixture.nativeElement as HTMLElement;
  const type = (name: string, value: string) => {
    const i = el.querySelector(`input[name=${name}]`) as HTMLInputElement;
    i.value = value;
    i.dispatchEvent(new Event('input'));
  };
  const submit = async () => {
    el.querySelector('form')?.dispatchEvent(new Event('submit'));
    fixture.detectChanges();
    await fixture.whenStable();
  };
  return { fixture, el, type, submit, navigate, navigateByUrl, ctrl: TestBed.inject(HttpTestingController) };
}

describe('LoginPage', () => {
  it('sends a first-time admin to the forced password change', async () => {
    const { type, submit, ctrl, navigate } = await render();
    type('username', 'admin');
    type('password', 'admin');
    await submit();
    ctrl.expectOne('/api/auth/login').flush({ token: 't', user: { id: 1, username: 'admin', role: 'admin', disabled: false, mustChangePassword: true, createdAt: '' } });
    expect(navigate).toHaveBeenCalledWith(['/password']);
  });

  it('goes back where the user was going after login', async () => {
    const { type, submit, ctrl, navigateByUrl } = await render('/groups/myteam');
    type('username', 'dev');
    type('password', 'secret-pass');
    await submit();
    ctrl.expectOne('/api/auth/login').flush({ token: 't', user: { id: 2, username: 'dev', role: 'user', disabled: false, mustChangePassword: false, createdAt: '' } });
    expect(navigateByUrl).toHaveBeenCalledWith('/groups/myteam');
  });

  it('says so on wrong credentials, and does not call the API with empty fields', async () => {
    const { fixture, el, type, submit, ctrl } = await render();
    await submit();
    ctrl.expectNone('/api/auth/login');
    type('username', 'admin');
    type('password', 'nope');
    await submit();
    ctrl.expectOne('/api/auth/login').flush({ statusCode: 401, error: 'Unauthorized', message: 'Invalid credentials' }, { status: 401, statusText: 'Unauthorized' });
    fixture.detectChanges();
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('Wrong user name or password');
  });

  it('only follows in-app return URLs', () => {
    expect(safeReturnUrl('/groups')).toBe('/groups');
    expect(safeReturnUrl('//evil.example.com')).toBe('/dashboard');
    expect(safeReturnUrl('https://evil.example.com')).toBe('/dashboard');
    expect(safeReturnUrl(undefined)).toBe('/dashboard');
  });
});
