// The demo portal's invoices (a static site: the data lives here).
window.INVOICES = [
  { invoice: 'INV-1001', customer: 'C-1001', date: '2024-01-15', amount: 'EUR 1,250.00', status: 'Unpaid' },
  { invoice: 'INV-1002', customer: 'C-1001', date: '2024-02-02', amount: 'EUR 480.00', status: 'Paid' },
  { invoice: 'INV-1003', customer: 'C-1001', date: '2024-02-20', amount: 'EUR 310.50', status: 'Unpaid' },
  { invoice: 'INV-1004', customer: 'C-1001', date: '2024-03-07', amount: 'EUR 89.99', status: 'Unpaid' },
  { invoice: 'INV-1005', customer: 'C-1001', date: '2024-03-21', amount: 'EUR 150.00', status: 'Paid' },
  { invoice: 'INV-2001', customer: 'C-2002', date: '2024-01-30', amount: 'EUR 2,000.00', status: 'Unpaid' },
];
