import polyglotI18nProvider from 'ra-i18n-polyglot';
import englishMessages from 'ra-language-english';

const messages = {
  ...englishMessages,
  ra: {
    ...englishMessages.ra,
    auth: { ...englishMessages.ra.auth, username: 'E-mail', user_menu: 'Account' },
  },
  resources: {
    licenses: {
      name: 'License |||| Licenses',
      fields: {
        'customer.email': 'Customer',
        'product.name': 'Product',
        product: 'Product',
        seats: 'Seats',
        seatsUsed: 'Seats used',
        status: 'Status',
        startsAt: 'Starts',
        expiresAt: 'Expires',
        createdAt: 'Issued',
        email: 'Customer e-mail',
        reseller: 'Reseller',
        customerEmail: 'Customer e-mail',
        expiringWithinDays: 'Expiring within',
      },
    },
    customers: {
      name: 'Customer |||| Customers',
      fields: {
        email: 'E-mail',
        'reseller.name': 'Reseller',
        resellerId: 'Reseller',
        licenseCount: 'Licenses',
        createdAt: 'Since',
        passwordChangedAt: 'Password changed',
        q: 'E-mail',
      },
    },
    activations: {
      name: 'Activation |||| Activations',
      fields: {
        machineName: 'Machine',
        osUser: 'OS user',
        activatedAt: 'Activated',
        lastSeenAt: 'Last seen',
        releasedAt: 'Released',
        releaseReason: 'Reason',
        'license.customer.email': 'Customer',
        'license.product.name': 'Product',
        live: 'Slots',
        q: 'Machine or user',
      },
    },
    resellers: { name: 'Reseller |||| Resellers', fields: { name: 'Name', createdAt: 'Created', q: 'Name' } },
    products: {
      name: 'Product |||| Products',
      fields: {
        code: 'Code',
        name: 'Name',
        leaseDays: 'Lease (days)',
        remoteReleasesPerYear: 'Remote releases / year',
        createdAt: 'Created',
        'links.website': 'Website',
        'links.documentation': 'Documentation',
        'links.support': 'Support',
        'links.purchase': 'Purchase',
      },
    },
    staff: {
      name: 'Staff member |||| Staff',
      fields: {
        email: 'E-mail',
        role: 'Role',
        'reseller.name': 'Reseller',
        reseller: 'Reseller',
        password: 'Password',
        createdAt: 'Created',
        disabledAt: 'Disabled',
        q: 'E-mail',
      },
    },
    audit: {
      name: 'Audit event |||| Audit log',
      fields: { at: 'When', actor: 'Who', action: 'Action', subject: 'Subject', data: 'Change' },
    },
    mail: {
      name: 'E-mail |||| Mail outbox',
      fields: {
        to: 'To',
        template: 'Template',
        status: 'Status',
        attempts: 'Attempts',
        lastError: 'Last error',
        nextAttemptAt: 'Next attempt',
        createdAt: 'Queued',
        sentAt: 'Sent',
      },
    },
  },
};

export const i18nProvider = polyglotI18nProvider(() => messages, 'en', [{ locale: 'en', name: 'English' }], { allowMissing: true });
