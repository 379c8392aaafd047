import { lazy } from 'react';
import { Admin, Authenticated, CustomRoutes, Resource } from 'react-admin';
import { BrowserRouter, Route } from 'react-router-dom';
import activations from './activations/index.ts';
import apiTokens from './apiTokens/index.ts';
import audit from './audit/index.ts';
import customers from './customers/index.ts';
import { i18nProvider } from './i18n.ts';
import { SlotkeeperLayout } from './Layout.tsx';
import licenses from './licenses/index.ts';
import { LoginPage } from './LoginPage.tsx';
import mail from './mail/index.ts';
import { NotFound } from './NotFound.tsx';
import products from './products/index.ts';
import { authProvider, dataProvider } from './providers.ts';
import resellers from './resellers/index.ts';
import staff from './staff/index.ts';
import { darkTheme, lightTheme } from './theme.ts';
import trials from './trials/index.ts';
import webhooks from './webhooks/index.ts';

const Dashboard = lazy(() => import('./dashboard/Dashboard.tsx'));
const ChangePassword = lazy(() => import('./ChangePassword.tsx'));
const SearchPage = lazy(() => import('./search/SearchPage.tsx'));

export function App() {
  return (
    <BrowserRouter basename="/admin">
      <Admin
        title="Slotkeeper"
        dataProvider={dataProvider}
        authProvider={authProvider}
        i18nProvider={i18nProvider}
        layout={SlotkeeperLayout}
        loginPage={LoginPage}
        catchAll={NotFound}
        dashboard={Dashboard}
        theme={lightTheme}
        darkTheme={darkTheme}
        disableTelemetry
      >
        {(role: string | null) => (
          <>
            <Resource name="licenses" {...licenses} />
            <Resource name="customers" {...customers} />
            <Resource name="activations" {...activations} />
            {role === 'VENDOR_ADMIN' ? (
              <>
                <Resource name="resellers" {...resellers} />
                <Resource name="products" {...products} />
                <Resource name="staff" {...staff} />
                <Resource name="trials" {...trials} />
                <Resource name="mail" {...mail} />
              </>
            ) : (
              // Reseller admins read products and resellers only through inputs: no menu, and their
              // URLs say "not found" (the routes are the resource's own, so the menu stays empty).
              <>
                <Resource name="products" recordRepresentation="name">
                  <Route path="*" element={<NotFound />} />
                </Resource>
                <Resource name="resellers" recordRepresentation="name">
                  <Route path="*" element={<NotFound />} />
                </Resource>
              </>
            )}
            <Resource name="webhooks" {...webhooks} />
            <Resource name="apiTokens" {...apiTokens} />
            <Resource name="audit" {...audit} />
            <CustomRoutes>
              <Route
                path="/search"
                element={
                  <Authenticated>
                    <SearchPage />
                  </Authenticated>
                }
              />
              <Route
                path="/password"
                element={
                  <Authenticated>
                    <ChangePassword />
                  </Authenticated>
                }
              />
            </CustomRoutes>
          </>
        )}
      </Admin>
    </BrowserRouter>
  );
}
