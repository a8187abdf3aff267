import { Controller, Get, INestApplication, Res } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Response } from 'express';
import { MetricsModule } from './metrics';

@Controller()
class ProbeController {
  @Get('probe')
  probe(@Res() response: Response): void {
    response.locals['route'] = 'probe';
    response.status(200).send('x'.repeat(1000));
  }
}

describe('MetricsModule', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [MetricsModule.forApp('test-app')], controllers: [ProbeController] }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(() => app.close());

  it('counts requests by route name and status, and bytes sent, on /metrics', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/probe`)).status).toBe(200);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('refity_http_requests_total{method="GET",route="probe",status="200",app="test-app"} 3');
    expect(text).toContain('refity_http_requests_total{method="GET",route="other",status="404",app="test-app"} 1');
    const sent = Number(/refity_http_sent_bytes_total\{route="probe",app="test-app"\} (\d+)/.exec(text)?.[1]);
    expect(sent).toBeGreaterThan(3000);
    expect(text).toContain('process_resident_memory_bytes');
  });
});
