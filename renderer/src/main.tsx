import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './App.js';
import './styles/base.css';
import './styles/manage.css';
import './styles/approval.css';

// zod probes `new Function` to speed up parsing; the CSP forbids eval and would report every probe.
z.config({ jitless: true });

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
